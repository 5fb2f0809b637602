"""Raw files -> ``datasets.Dataset``: the one reader (:mod:`.io`), windows and splits (:mod:`.sequences`),
collators (:mod:`.collators`), the study datasets (GUE, human genes, viruses, mutations, synthetic,
simulation) and generated toy data (:mod:`.toy`). Names are imported lazily."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "SequenceFileError": "hf_genomics.data.io",
    "load_sequences": "hf_genomics.data.io",
    "read_fasta": "hf_genomics.data.io",
    "iter_fasta": "hf_genomics.data.io",
    "write_fasta": "hf_genomics.data.io",
    "read_genbank": "hf_genomics.data.io",
    "read_table": "hf_genomics.data.io",
    "cut_windows": "hf_genomics.data.sequences",
    "window_starts": "hf_genomics.data.sequences",
    "tokenize_windows": "hf_genomics.data.sequences",
    "split_records": "hf_genomics.data.sequences",
    "max_tokens_for": "hf_genomics.data.sequences",
    "DnaMlmCollator": "hf_genomics.data.collators",
    "RandomStrandCollator": "hf_genomics.data.collators",
    "add_reverse_complement": "hf_genomics.data.collators",
    "GueFormatError": "hf_genomics.data.gue",
    "GueTask": "hf_genomics.data.gue",
    "load_gue": "hf_genomics.data.gue",
    "read_genes": "hf_genomics.data.genes",
    "read_genes_csv": "hf_genomics.data.genes",
    "read_mutation_pairs": "hf_genomics.data.genes",
    "load_viral_genomes": "hf_genomics.data.viruses",
    "load_shared_viruses": "hf_genomics.data.viruses",
    "window_genomes": "hf_genomics.data.viruses",
    "split_windows": "hf_genomics.data.viruses",
    "make_mutation_pairs": "hf_genomics.data.mutations",
    "Subspeciation": "hf_genomics.data.simulation",
    "subspeciation": "hf_genomics.data.simulation",
    "synthetic_dataset": "hf_genomics.data.synthetic",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
