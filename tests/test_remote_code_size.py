"""Exported remote code carries only what a family needs (issue 21 item 3): ported families import
shared layers from ``models/layers/``, never through the encoder's modeling file, so the bundle
written next to a DNABERT-2 / GENA-LM / NT folder holds those layers and the family's own code."""

from __future__ import annotations

import importlib

import pytest

from hf_genomics.remote_code import _bundle_with_dependencies, export_model_code

PORTED = [
    ("dnabert2", "modeling_dnabert2", "Dnabert2Model", 700),
    ("gena_lm", "modeling_gena_lm", "GenaLmModel", 700),
    ("nucleotide_transformer", "modeling_nucleotide_transformer", "NucleotideTransformerModel", 800),
    ("genes_transformer", "modeling_genes_transformer", "GenesTransformerModel", 500),
]


@pytest.mark.parametrize(("family", "module", "model_class", "max_lines"), PORTED)
def test_exported_modeling_file_holds_only_the_family(tmp_path, family, module, model_class, max_lines):
    modeling = importlib.import_module(f"hf_genomics.models.{family}.{module}")
    files = {
        path.name: path.read_text() for path in export_model_code(tmp_path, getattr(modeling, model_class))
    }
    code = files[f"{module}.py"]
    sections = [line[7:-5] for line in code.splitlines() if line.startswith("# ---- ")]
    assert "hf_genomics.models.encoder.modeling_dna_encoder" not in sections
    assert all(
        s.startswith(("hf_genomics.models.layers.", f"hf_genomics.models.{family}."))
        or s == "hf_genomics.remote_code"
        for s in sections
    ), sections
    assert code.count("\n") <= max_lines
    compile(code, module, "exec")


def test_a_reexported_name_is_bundled_from_its_defining_module():
    """Importing ``eager_attention_forward`` from the encoder's modeling file (where it is only
    imported) inlines ``models/layers/attention.py``, not the encoder."""
    import types

    probe = types.ModuleType("hf_genomics.models.probe_reexport")
    source = "from hf_genomics.models.encoder.modeling_dna_encoder import eager_attention_forward\n"
    exec(compile(source, "probe", "exec"), probe.__dict__)

    import inspect

    original = inspect.getsource
    inspect.getsource = lambda module: source if module is probe else original(module)
    try:
        code = _bundle_with_dependencies(probe, {})
    finally:
        inspect.getsource = original
    sections = [line[7:-5] for line in code.splitlines() if line.startswith("# ---- ")]
    assert sections == ["hf_genomics.models.layers.attention", "hf_genomics.models.probe_reexport"]
