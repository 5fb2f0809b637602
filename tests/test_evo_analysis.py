"""The analysis layer, run_classification and PEFT on converted Evo 2 / Evo 1 checkpoints, through the same
commands and public functions as every other model.

The models are the parity fixtures converted (tiny, seeded, shape-faithful: Evo 2 with hcs, hcm, hcl and
attention blocks; Evo 1 with hyena and attention blocks). The references are written here from the
model's logits and vortex's byte ids (``ord``), independently of the package's tokenizer and scorers:
the Evo 2 BRCA1 notebook's delta score (``evo2.scoring``), hidden states of one unpadded sequence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from variant_files import snv_assay_rows, write_locus_fasta

from hf_genomics import cli

FIXTURES = Path(__file__).parent / "fixtures" / "ports"
FAMILIES = ["evo2", "evo1"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    out = tmp_path_factory.mktemp("converted")
    convert_checkpoint(FIXTURES / "evo2" / "released", out / "evo2")
    convert_checkpoint(FIXTURES / "evo1" / "evo1", out / "evo1")
    return out


@pytest.fixture(scope="module")
def contig(tmp_path_factory):
    """A 400-nt random contig in a FASTA, and the sequence."""
    sequence = "".join(np.random.default_rng(7).choice(list("ACGT"), size=400))
    fasta = tmp_path_factory.mktemp("reference") / "ref.fa"
    fasta.write_text(f">chrT\n{sequence}\n")
    return fasta, sequence


def _load(folder, auto_name="AutoModelForCausalLM"):
    import transformers

    import hf_genomics  # noqa: F401

    model = getattr(transformers, auto_name).from_pretrained(folder).eval()
    return model, transformers.AutoTokenizer.from_pretrained(folder)


def byte_ids(text: str) -> torch.Tensor:
    """vortex's CharLevelTokenizer: the UTF-8 bytes, nothing added."""
    return torch.tensor([list(text.encode())])


def position_log_probs(model, text: str) -> torch.Tensor:
    """evo2.scoring.logits_to_logprobs: log_softmax(logits)[:, :-1] gathered at input_ids[:, 1:]."""
    ids = byte_ids(text)
    with torch.no_grad():
        log_probs = model(ids).logits.float().log_softmax(-1)[:, :-1]
    return log_probs.gather(2, ids[:, 1:, None])[0, :, 0]


def notebook_delta(model, chromosome: str, pos: int, alt: str, window: int) -> float:
    """The Evo 2 BRCA1 notebook (ArcInstitute/evo2 53f1959, notebooks/brca1): ``parse_sequences`` cuts
    ``[p - W/2, p + W/2)`` (clipped at the chromosome ends; the SNV at ``min(W/2, p)``), and
    ``model.score_sequences`` (batch 1, ``prepend_bos=False``, ``reduce_method="mean"``) scores each
    window by its mean log-probability; the delta is variant minus reference."""
    p = pos - 1
    ref_seq = chromosome[max(0, p - window // 2) : min(len(chromosome), p + window // 2)]
    at = min(window // 2, p)
    var_seq = ref_seq[:at] + alt + ref_seq[at + 1 :]
    assert len(var_seq) == len(ref_seq) and ref_seq[at] == chromosome[p]
    variant, reference = position_log_probs(model, var_seq), position_log_probs(model, ref_seq)
    return float(variant.double().mean() - reference.double().mean())


def _snvs(sequence: str, positions) -> list[tuple[int, str, str]]:
    return [(pos, sequence[pos - 1], "ACGT"[("ACGT".index(sequence[pos - 1]) + 1 + k) % 4]) for k, pos in
            enumerate(positions)]  # fmt: skip


def _write_vcf(path: Path, rows) -> Path:
    lines = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chrT,length=400>",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    lines += [f"chrT\t{pos}\t.\t{ref}\t{alt}\t.\t.\t." for pos, ref, alt in rows]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("family", FAMILIES)
def test_score_variants_command_gives_the_evo2_brca1_notebook_score(converted, contig, family, tmp_path):
    """--normalize per_token --longer-flank left: exactly the notebook's delta, windows clipped at both
    contig ends included (different lengths in one batch: right padding)."""
    fasta, sequence = contig
    snvs = _snvs(sequence, [3, 90, 91, 200, 396])
    vcf = _write_vcf(tmp_path / "snvs.vcf", snvs)
    output = tmp_path / "scores.tsv"
    argv = [
        "score-variants",
        "--model",
        str(converted / family),
        "--reference",
        str(fasta),
        "--vcf",
        str(vcf),
    ]
    argv += [
        "--output",
        str(output),
        "--window-nt",
        "64",
        "--normalize",
        "per_token",
        "--longer-flank",
        "left",
    ]
    assert cli.main([*argv, "--edge", "clip", "--batch-size", "4", "--quiet"]) == 0
    table = pd.read_csv(output, sep="\t")
    assert table["status"].tolist() == ["ok"] * len(snvs)
    assert table["window_nt"].tolist() == [34, 64, 64, 64, 37]  # clipped at both ends
    model, _ = _load(converted / family)
    expected = [notebook_delta(model, sequence, pos, alt, 64) for pos, _, alt in snvs]
    np.testing.assert_allclose(table["score"], expected, rtol=1e-5, atol=1e-6)
    summary = json.loads(Path(f"{output}.json").read_text())
    assert "reduce_method='mean'" in summary["score_definitions"]["normalize"]
    assert summary["longer_flank"] == "left"


@pytest.mark.parametrize("family", FAMILIES)
def test_causal_llr_is_the_summed_notebook_log_probabilities_and_batch_independent(converted, contig, family):
    """The default score: sum over positions 2..L of the window (the notebook's reduce_method='sum'),
    the same for one window per forward pass and many."""
    from hf_genomics.analysis.variant_effects import Variant, score_variants

    _, sequence = contig
    model, tokenizer = _load(converted / family)
    variants = [Variant("chrT", pos, ref, alt) for pos, ref, alt in _snvs(sequence, [5, 30, 31, 250, 398])]
    variants.append(Variant("chrT", 120, sequence[119:122], sequence[119]))  # a deletion
    options = dict(window_nt=31, edge="clip", progress=False)
    one = score_variants(model, tokenizer, {"chrT": sequence}, variants, batch_size=1, **options)
    many = score_variants(model, tokenizer, {"chrT": sequence}, variants, batch_size=16, **options)
    for column in ("ref_value", "alt_value"):  # float32 sums of ~20 log-probabilities: 1e-6 relative
        np.testing.assert_allclose(one[column], many[column], rtol=1e-6)
    np.testing.assert_allclose(one["score"], many["score"], atol=1e-4)
    assert set(one["method"]) == {"log_likelihood_ratio"} and one["window_nt"].nunique() > 1
    for row, variant in zip(one.itertuples(), variants):
        start = int(row.window_start) - 1
        window = sequence[start : start + int(row.window_nt)]
        offset = variant.pos - 1 - start
        altered = window[:offset] + variant.alt + window[offset + len(variant.ref) :]
        altered = altered[: len(window)] if len(variant.alt) >= len(variant.ref) else altered + sequence[
            start + len(window) : start + len(window) + len(variant.ref) - len(variant.alt)]  # fmt: skip
        expected = (
            position_log_probs(model, altered).double().sum()
            - position_log_probs(model, window).double().sum()
        )
        assert row.score == pytest.approx(float(expected), abs=1e-4)
        assert row.ref_tokens == len(window) - 1  # no BOS, no EOS: bases 2..L predicted


@pytest.mark.parametrize("family", FAMILIES)
def test_embed_command_pools_the_final_hidden_states_of_each_unpadded_sequence(converted, family, tmp_path):
    """embed: mean / last over the bases (no special tokens: nothing left out), one vector per base,
    --layer from output_hidden_states, --module (vortex's ``blocks.1.mlp.l3``: the MLP branch's output,
    read here by a hook on the MLP itself); soft-masked and N bases normalised; batches of mixed
    lengths (right padding) give each sequence's own numbers."""
    records = {"a": "ACGTTGCAACGTAGCTAGCTNNACGT", "b": "ttgaccATGCA", "c": "G" * 3 + "ACGTAC" * 9}
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    model, _ = _load(converted / family, "AutoModel")
    mlp_outputs = []
    hook = model.layers[1].mlp.register_forward_hook(lambda _m, _i, out: mlp_outputs.append(out))
    with torch.no_grad():
        outputs = [model(byte_ids(seq.upper()), output_hidden_states=True) for seq in records.values()]
    hook.remove()
    cases = [("mean", [], 3), ("last", [], 2), ("per_nucleotide", [], 3), ("mean", ["--layer", "2"], 3)]
    cases.append(("per_nucleotide", ["--module", "model.layers.1.mlp.down_proj"], 2))
    for case, (pooling, extra, batch) in enumerate(cases):
        output = tmp_path / f"{case}.parquet"
        argv = ["embed", "--model", str(converted / family), "--fasta", str(fasta), "--output", str(output)]
        argv += ["--pooling", pooling, "--batch-size", str(batch), "--quiet", *extra]
        assert cli.main(argv) == 0
        table = pd.read_parquet(output)
        assert table["id"].tolist() == list(records)
        for row, vectors in enumerate(table["embedding"]):
            states = {
                "": outputs[row].last_hidden_state,
                "--layer": outputs[row].hidden_states[2],
                "--module": mlp_outputs[row],
            }[extra[0] if extra else ""][0].numpy()
            expected = {"mean": states.mean(0), "last": states[-1], "per_nucleotide": states}[pooling]
            got = np.stack(vectors) if pooling == "per_nucleotide" else vectors
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_embed_module_errors_are_one_line(converted, tmp_path, capsys):
    fasta = tmp_path / "in.fa"
    fasta.write_text(">a\nACGT\n")
    argv = ["embed", "--model", str(converted / "evo2"), "--fasta", str(fasta), "--quiet"]
    assert cli.main([*argv, "--output", str(tmp_path / "x.parquet"), "--module", "blocks.1.mlp.l3"]) == 2
    assert "has no submodule 'blocks.1.mlp.l3'" in capsys.readouterr().err
    both = ["--layer", "1", "--module", "model.layers.1.mlp"]
    assert cli.main([*argv, "--output", str(tmp_path / "y.parquet"), *both]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize("family", FAMILIES)
def test_left_and_right_padding_give_each_sequence_its_unbatched_numbers(converted, family):
    """Classification logits (last real token) and LM logits of a padded batch, padded on either side,
    equal the sequences run alone."""
    sequences = ["ACGTACGTTTGACA", "GGCAT", "TTTACGGACCATGCAGGA"]
    classifier, tokenizer = _load(converted / family, "AutoModelForSequenceClassification")
    lm, _ = _load(converted / family)
    with torch.no_grad():
        alone = [classifier(byte_ids(s)).logits[0] for s in sequences]
        alone_lm = [lm(byte_ids(s)).logits[0] for s in sequences]
        for side in ("right", "left"):
            tokenizer.padding_side = side
            batch = tokenizer(sequences, padding=True, return_tensors="pt")
            assert (batch["input_ids"] == 1).sum() == 2 * 18 - 14 - 5  # PAD id 1
            logits = classifier(**batch).logits
            lm_logits = lm(**batch).logits
            for row in range(len(sequences)):
                np.testing.assert_allclose(logits[row], alone[row], rtol=1e-5, atol=1e-6)
                real = batch["attention_mask"][row].bool()
                np.testing.assert_allclose(lm_logits[row][real], alone_lm[row], rtol=1e-4, atol=1e-5)


def _assay(folder: Path, locus: str, offset: int = 1_000_000) -> tuple[Path, Path, pd.DataFrame]:
    """A small made-up assay in the benchmark's CSV layout (every SNV of 6 sites) on the locus."""
    rng = np.random.default_rng(3)
    rows = snv_assay_rows(locus, rng.choice(np.arange(80, 320), 6, replace=False), offset)
    for row in rows:
        row.update(consequence=rng.choice(["Missense", "Synonymous", "Nonsense"]),
                   func_class=rng.choice(["FUNC", "INT", "LOF"]), cadd=float(rng.normal()))  # fmt: skip
    rows[0]["func_class"], rows[1]["func_class"] = "LOF", "FUNC"  # both classes present
    fasta = write_locus_fasta(folder / "locus.fa", locus, offset)
    csv = folder / "assay.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    return fasta, csv, pd.DataFrame(rows)


def test_benchmark_vep_command_scores_both_families_end_to_end_and_resumes(converted, contig, tmp_path):
    """benchmark vep on an assay CSV + locus FASTA: every variant scored with each Evo model, the damage
    score is minus the summed-log-probability LLR computed here, and a rerun reads the cache."""
    _, locus = contig
    fasta, csv, table = _assay(tmp_path, locus)
    out = tmp_path / "bench"
    argv = ["benchmark", "vep", "--model", str(converted / "evo2"), "--model", str(converted / "evo1")]
    argv += ["--variants", str(csv), "--reference", str(fasta), "--output", str(out), "--window-nt", "41"]
    assert cli.main([*argv, "--bootstrap", "20", "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [m["name"] for m in results["models"]] == ["evo2", "evo1"]
    for entry in results["models"]:
        assert entry["n"] == len(table) and entry["unscored"] == 0 and entry["newly_scored"] == len(table)
        assert entry["kind"] == "causal" and entry["window_nt"] == 41 and 0 <= entry["auroc"] <= 1
        cache = pd.read_csv(out / "cache" / f"{entry['digest']}.tsv", sep="\t")
        model, _ = _load(converted / entry["name"])
        for (key, score), row in list(
            zip(cache[["key", "score"]].itertuples(index=False), table.itertuples())
        )[:4]:
            p = row.pos_hg38 - 1_000_000
            window = locus[p - 20 : p + 21]  # 41 nt, the SNV in the middle
            altered = window[:20] + row.alt + window[21:]
            expected = (
                position_log_probs(model, altered).double().sum()
                - position_log_probs(model, window).double().sum()
            )
            assert key.endswith(f":{p + 1}:{row.ref}:{row.alt}") and score == pytest.approx(
                float(expected), abs=1e-4
            )
    assert (out / "results.md").is_file() and (out / "roc_pr.png").is_file()
    assert cli.main([*argv, "--bootstrap", "20", "--quiet"]) == 0
    again = json.loads((out / "results.json").read_text())
    assert [m["newly_scored"] for m in again["models"]] == [0, 0]
    assert [m["auroc"] for m in again["models"]] == [m["auroc"] for m in results["models"]]


def _classification_files(folder: Path) -> dict[str, Path]:
    from hf_genomics.data.toy import planted_motif_sequences

    files = {}
    for name, n, length, seed in (("train", 32, 40, 0), ("dev", 16, 40, 1), ("test", 16, 48, 2)):
        sequences, labels = planted_motif_sequences(n, length=length, seed=seed)
        files[name] = folder / f"{name}.csv"
        pd.DataFrame({"dna": sequences, "target": labels}).to_csv(files[name], index=False)
    return files


@pytest.mark.parametrize(("family", "lora"), [("evo2", False), ("evo2", True), ("evo1", True)])
def test_run_classification_fine_tunes_an_evo_folder(converted, family, lora, tmp_path):
    """run_classification --model_name_or_path <converted Evo folder> [--use_lora]: trains a few steps,
    saves an Evo*ForSequenceClassification (LoRA merged) whose test predictions give the reported
    accuracy, and changed the weights LoRA targets."""
    from transformers import HfArgumentParser

    from hf_genomics.training import classification

    files = _classification_files(tmp_path)
    out = tmp_path / "run"
    argv = ["--train_file", str(files["train"]), "--validation_file", str(files["dev"]), "--test_file",
            str(files["test"]), "--sequence_column", "dna", "--label_column", "target", "--output_dir", str(out),
            "--model_name_or_path", str(converted / family), "--seeds", "1", "--max_steps", "4",
            "--per_device_train_batch_size", "8", "--learning_rate", "5e-3", "--report_to", "none",
            "--use_lora", str(lora).lower(), "--lora_r", "2"]  # fmt: skip
    args, training = HfArgumentParser(
        (classification.ClassificationArguments, classification.StudyTrainingArguments)
    ).parse_args_into_dataclasses(args=argv)
    results = classification.run_classification(args, training)
    assert (
        results["use_lora"] is lora and results["max_length_tokens"] == 48
    )  # one byte per base, no specials
    assert all(part["sequences"] == 0 for part in results["truncated"].values())
    saved, tokenizer = _load(out, "AutoModelForSequenceClassification")
    assert type(saved).__name__ == f"{family.capitalize()}ForSequenceClassification"
    assert saved.config.max_length_nt == 48
    base, _ = _load(converted / family, "AutoModelForSequenceClassification")
    mixer = next(i for i, kind in enumerate(saved.config.block_types) if kind != "attention")
    assert not torch.equal(
        saved.model.layers[mixer].mixer.in_proj.weight, base.model.layers[mixer].mixer.in_proj.weight
    )
    test = pd.read_csv(files["test"])
    with torch.no_grad():
        predicted = saved(**tokenizer(test["dna"].tolist(), padding=True, return_tensors="pt")).logits.argmax(
            -1
        )
    accuracy = float((predicted.numpy() == test["target"].to_numpy()).mean())
    assert accuracy == pytest.approx(results["test"]["accuracy"]["mean"])


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_on_the_named_targets_trains_one_step_and_reloads(converted, family, tmp_path):
    """The family's named LoRA targets wrap every Hyena, attention and MLP projection of every block type;
    one optimizer step moves only adapters and the head; the adapter saves and reloads to the same logits."""
    from peft import LoraConfig, PeftModel, get_peft_model

    from hf_genomics.models.families import EVO_LORA_TARGETS, lora_targets

    assert lora_targets(family) == list(EVO_LORA_TARGETS)
    model, tokenizer = _load(converted / family, "AutoModelForSequenceClassification")
    kinds = {"evo2": {"attention", "hcs", "hcm", "hcl"}, "evo1": {"attention", "hyena"}}[family]
    assert set(model.config.block_types) == kinds
    linear = {name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear) and name != "score"}
    torch.manual_seed(0)
    config = LoraConfig(task_type="SEQ_CLS", r=2, lora_alpha=4, target_modules=lora_targets(family))
    peft_model = get_peft_model(model, config)
    wrapped = {
        name.removeprefix("base_model.model.")
        for name, module in peft_model.named_modules()
        if hasattr(module, "lora_A")
    }
    assert wrapped == linear  # every projection of every block type, nothing else
    assert {name.rsplit(".", 1)[-1] for name in wrapped} == set(EVO_LORA_TARGETS)
    before = {n: p.detach().clone() for n, p in peft_model.named_parameters()}
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-2)
    batch = tokenizer(["ACGTACGTAA", "GGA", "TTTTGACA"], padding=True, return_tensors="pt")
    peft_model.train()
    peft_model(**batch, labels=torch.tensor([0, 1, 1])).loss.backward()
    optimizer.step()
    changed = {n for n, p in peft_model.named_parameters() if not torch.equal(p, before[n])}
    assert changed and all("lora_" in n or "score" in n for n in changed)
    assert any("lora_B" in n for n in changed)
    peft_model.eval()
    peft_model.save_pretrained(tmp_path / "adapter")
    with torch.no_grad():
        expected = peft_model(**batch).logits
        fresh, _ = _load(converted / family, "AutoModelForSequenceClassification")
        reloaded = PeftModel.from_pretrained(fresh, tmp_path / "adapter").eval()
        np.testing.assert_allclose(reloaded(**batch).logits, expected, rtol=1e-5, atol=1e-6)
        merged = reloaded.merge_and_unload()
        np.testing.assert_allclose(merged(**batch).logits, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.real_data
def test_benchmark_vep_on_brca1_rows_with_the_notebooks_8kb_windows(converted, shared_data, tmp_path):
    """BRCA1 SGE rows on the GRCh38 locus, 8,192-nt windows cut as the notebook cuts them
    (--longer-flank left: [p - 4096, p + 4096)): each cached score is the notebook's delta times 8191
    (its mean over positions 2..L, summed), computed here from the logits. The tiny checkpoint holds
    2,048 positions: first every window is skipped (and reported), then a copy declaring the 8,192 of
    evo2_1b_base scores them."""
    import shutil

    brca1 = shared_data / "vep" / "brca1"
    table = pd.read_csv(brca1 / "brca1_sge.csv")
    rows = pd.concat(
        [table[table["func_class"] == "LOF"].head(3), table[table["func_class"] == "FUNC"].head(3)]
    )
    csv = tmp_path / "rows.csv"
    rows.to_csv(csv, index=False)
    argv = ["benchmark", "vep", "--variants", str(csv), "--reference", str(brca1 / "brca1_locus_grch38.fa")]
    argv += ["--window-nt", "8192", "--longer-flank", "left", "--bootstrap", "10", "--quiet"]
    assert cli.main([*argv, "--model", str(converted / "evo2"), "--output", str(tmp_path / "short")]) == 0
    entry = json.loads((tmp_path / "short" / "results.json").read_text())["models"][0]
    assert entry["unscored"] == 6 and entry["skipped_by_reason"] == {"window_too_long": 6}
    folder = tmp_path / "evo2-8k"
    shutil.copytree(converted / "evo2", folder)
    for name, key in (("config.json", "max_seqlen"), ("tokenizer_config.json", "model_max_length")):
        settings = json.loads((folder / name).read_text())
        (folder / name).write_text(json.dumps({**settings, key: 8192}))
    assert cli.main([*argv, "--model", str(folder), "--output", str(tmp_path / "bench")]) == 0
    entry = json.loads((tmp_path / "bench" / "results.json").read_text())["models"][0]
    assert entry["n"] == 6 and entry["unscored"] == 0 and entry["window_nt"] == 8192
    cache = pd.read_csv(tmp_path / "bench" / "cache" / f"{entry['digest']}.tsv", sep="\t").set_index("key")
    locus = (brca1 / "brca1_locus_grch38.fa").read_text().split("\n", 1)[1].replace("\n", "")
    contig = "chr17_42425000_43600000"
    model, _ = _load(folder)
    for row in rows.itertuples():
        p = row.pos_hg38 - 42_425_000  # 0-based index in the locus record
        delta = notebook_delta(model, locus, p + 1, row.alt, 8192) * 8191
        assert cache.loc[f"{contig}:{p + 1}:{row.ref}:{row.alt}", "score"] == pytest.approx(
            delta, rel=1e-4, abs=1e-3
        )
