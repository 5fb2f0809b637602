"""The one family registry: each model family is one :class:`Family` line here, and everything else is
derived from it — Auto-class registration (``hf_genomics._registration``), the lazy public names of
``hf_genomics`` and ``hf_genomics.models``, each family package's exports, and the ``auto_map`` a saved
folder carries (checked against the modeling file's ``AUTO_MAP`` by a test).

Adding a family touches two places: its folder under ``models/`` and one entry below. This module
holds strings only (no torch, no transformers), so ``import hf_genomics`` stays light.
"""

from __future__ import annotations

from dataclasses import dataclass

# our own tokenizers, which every family without tokenizers of its own can load (the default last)
OUR_TOKENIZERS: tuple[str, ...] = (
    "hf_genomics.tokenization.dnallm.DnaLlmCharTokenizer",
    "hf_genomics.tokenization.bpe.DnaBpeTokenizer",
    "hf_genomics.tokenization.kmer.KmerTokenizer",
)
# StripedHyena (Evo 1 and 2): Hyena mixers' input/output projections, attention, gated MLP; the filters
# (kept in float32) and the embeddings are left alone
EVO_LORA_TARGETS: tuple[str, ...] = (
    "in_proj", "out_proj", "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
)  # fmt: skip


@dataclass(frozen=True)
class Family:
    """One model family: its ``model_type``, folder and classes as ``"<module stem>.<ClassName>"``."""

    model_type: str
    folder: str  # the package under hf_genomics/models/
    config: str  # "configuration_x.XConfig"
    models: dict[str, str]  # Auto class name -> "modeling_x.XModel"
    tokenizers: tuple[str, ...] = OUR_TOKENIZERS  # full dotted paths, the family's default last
    extras: tuple[str, ...] = ()  # further public names of the family package ("<stem>.<Name>")
    public: bool = True  # exported from ``hf_genomics`` and ``hf_genomics.models`` too
    # peft ``target_modules`` of the LoRA option (run_classification --use_lora, gue-benchmark --lora);
    # empty: peft's default for the architecture where it has one, else every linear layer but the head
    lora_targets: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        return f"hf_genomics.models.{self.folder}"

    def dotted(self, ref: str) -> str:
        """``"modeling_x.XModel"`` -> ``"hf_genomics.models.<folder>.modeling_x.XModel"``."""
        return f"{self.package}.{ref}"

    def auto_map(self) -> dict[str, str]:
        """What ``save_pretrained`` writes into ``config.json`` so the folder loads as remote code."""
        return {"AutoConfig": self.config, **self.models}

    def exports(self, extras: bool = True) -> dict[str, str]:
        """The family package's public names -> the module defining each (``extras`` too, or only the
        config, model and own tokenizer classes)."""
        names: dict[str, str] = {}
        own_tokenizers = [t for t in self.tokenizers if t.startswith(self.package + ".")]
        for ref in (self.config, *self.models.values(), *(self.extras if extras else ())):
            module, _, name = self.dotted(ref).rpartition(".")
            names[name] = module
        for path in own_tokenizers:
            module, _, name = path.rpartition(".")
            names[name] = module
        return names


FAMILIES: tuple[Family, ...] = (
    Family(
        "dna_encoder",
        "encoder",
        "configuration_dna_encoder.DnaEncoderConfig",
        {
            "AutoModel": "modeling_dna_encoder.DnaEncoderModel",
            "AutoModelForMaskedLM": "modeling_dna_encoder.DnaEncoderForMaskedLM",
            "AutoModelForSequenceClassification": "modeling_dna_encoder.DnaEncoderForSequenceClassification",
            "AutoModelForTokenClassification": "modeling_dna_encoder.DnaEncoderForTokenClassification",
        },
        extras=("modeling_dna_encoder.DnaEncoderPreTrainedModel",),
        lora_targets=("qkv", "out_proj", "up_proj", "down_proj"),
    ),
    Family(
        "dna_lstm",
        "lstm",
        "configuration_dna_lstm.DnaLstmConfig",
        {
            "AutoModel": "modeling_dna_lstm.DnaLstmModel",
            "AutoModelForCausalLM": "modeling_dna_lstm.DnaLstmForCausalLM",
        },
        extras=("modeling_dna_lstm.DnaLstmPreTrainedModel",),
    ),
    Family(
        "dna_cnn",
        "cnn",
        "configuration_dna_cnn.DnaCnnConfig",
        {
            "AutoModel": "modeling_dna_cnn.DnaCnnModel",
            "AutoModelForSequenceClassification": "modeling_dna_cnn.DnaCnnForSequenceClassification",
            "AutoModelForMaskedLM": "modeling_dna_cnn.DnaCnnForMaskedLM",
        },
        extras=("modeling_dna_cnn.DnaCnnPreTrainedModel", "modeling_dna_cnn.reverse_complement_ids"),
    ),
    Family(
        "genes_transformer",
        "genes_transformer",
        "configuration_genes_transformer.GenesTransformerConfig",
        {
            "AutoModel": "modeling_genes_transformer.GenesTransformerModel",
            "AutoModelForCausalLM": "modeling_genes_transformer.GenesTransformerForCausalLM",
        },
        public=False,  # the study's faithful decoder: hf_genomics.models.genes_transformer
    ),
    Family(
        "nucleotide_transformer",
        "nucleotide_transformer",
        "configuration_nucleotide_transformer.NucleotideTransformerConfig",
        {
            "AutoModel": "modeling_nucleotide_transformer.NucleotideTransformerModel",
            "AutoModelForMaskedLM": "modeling_nucleotide_transformer.NucleotideTransformerForMaskedLM",
            "AutoModelForSequenceClassification": (
                "modeling_nucleotide_transformer.NucleotideTransformerForSequenceClassification"
            ),
            "AutoModelForTokenClassification": (
                "modeling_nucleotide_transformer.NucleotideTransformerForTokenClassification"
            ),
        },
        # converted NT v1 (ESM) and DNABERT-1 (BERT) folders name these classes in tokenizer_config.json
        tokenizers=(
            "hf_genomics.models.dnabert1.tokenization_dnabert1.Dnabert1Tokenizer",
            "hf_genomics.models.nucleotide_transformer.tokenization_nucleotide_transformer."
            "NucleotideTransformerTokenizer",
        ),
        extras=(
            "modeling_nucleotide_transformer.NucleotideTransformerPreTrainedModel",
            "configuration_nucleotide_transformer.NT_V2_SHAPES",
            "tokenization_nucleotide_transformer.nt_vocab",
        ),
    ),
    Family(
        "gena_lm",
        "gena_lm",
        "configuration_gena_lm.GenaLmConfig",
        {
            "AutoModel": "modeling_gena_lm.GenaLmModel",
            "AutoModelForMaskedLM": "modeling_gena_lm.GenaLmForMaskedLM",
            "AutoModelForSequenceClassification": "modeling_gena_lm.GenaLmForSequenceClassification",
            "AutoModelForTokenClassification": "modeling_gena_lm.GenaLmForTokenClassification",
        },
        extras=("modeling_gena_lm.GenaLmPreTrainedModel",),
    ),
    Family(
        "caduceus",
        "caduceus",
        "configuration_caduceus.CaduceusConfig",
        {
            "AutoModel": "modeling_caduceus.CaduceusModel",
            "AutoModelForMaskedLM": "modeling_caduceus.CaduceusForMaskedLM",
            "AutoModelForSequenceClassification": "modeling_caduceus.CaduceusForSequenceClassification",
        },
        tokenizers=(*OUR_TOKENIZERS, "hf_genomics.models.caduceus.tokenization_caduceus.CaduceusTokenizer"),
        extras=("modeling_caduceus.CaduceusPreTrainedModel",),
    ),
    Family(
        "hyenadna",
        "hyenadna",
        "configuration_hyenadna.HyenaDnaConfig",
        {
            "AutoModel": "modeling_hyenadna.HyenaDnaModel",
            "AutoModelForCausalLM": "modeling_hyenadna.HyenaDnaForCausalLM",
            "AutoModelForSequenceClassification": "modeling_hyenadna.HyenaDnaForSequenceClassification",
        },
        tokenizers=(*OUR_TOKENIZERS, "hf_genomics.models.hyenadna.tokenization_hyenadna.HyenaDnaTokenizer"),
    ),
    Family(
        "dnabert2",
        "dnabert2",
        "configuration_dnabert2.Dnabert2Config",
        {
            "AutoModel": "modeling_dnabert2.Dnabert2Model",
            "AutoModelForMaskedLM": "modeling_dnabert2.Dnabert2ForMaskedLM",
            "AutoModelForSequenceClassification": "modeling_dnabert2.Dnabert2ForSequenceClassification",
        },
        extras=("modeling_dnabert2.Dnabert2PreTrainedModel",),
    ),
    Family(
        "evo2",
        "evo2",
        "configuration_evo2.Evo2Config",
        {
            "AutoModel": "modeling_evo2.Evo2Model",
            "AutoModelForCausalLM": "modeling_evo2.Evo2ForCausalLM",
            "AutoModelForSequenceClassification": "modeling_evo2.Evo2ForSequenceClassification",
        },
        tokenizers=(*OUR_TOKENIZERS, "hf_genomics.models.evo2.tokenization_evo2.Evo2Tokenizer"),
        lora_targets=EVO_LORA_TARGETS,
    ),
    Family(
        "evo1",
        "evo1",
        "configuration_evo1.Evo1Config",
        {
            "AutoModel": "modeling_evo1.Evo1Model",
            "AutoModelForCausalLM": "modeling_evo1.Evo1ForCausalLM",
            "AutoModelForSequenceClassification": "modeling_evo1.Evo1ForSequenceClassification",
        },
        tokenizers=(*OUR_TOKENIZERS, "hf_genomics.models.evo2.tokenization_evo2.Evo2Tokenizer"),
        lora_targets=EVO_LORA_TARGETS,
    ),
)

BY_MODEL_TYPE: dict[str, Family] = {family.model_type: family for family in FAMILIES}
BY_FOLDER: dict[str, Family] = {family.folder: family for family in FAMILIES}


def public_model_names() -> dict[str, str]:
    """Every public family's exported names -> defining module (for ``hf_genomics`` and ``.models``)."""
    names: dict[str, str] = {}
    for family in FAMILIES:
        if family.public:
            names.update(family.exports(extras=False))
    return names


def lora_targets(model_type: str | None) -> list[str] | None:
    """The LoRA ``target_modules`` named for one of our families, or ``None`` (not ours, or none named)."""
    family = BY_MODEL_TYPE.get(str(model_type))
    return list(family.lora_targets) if family is not None and family.lora_targets else None


def family_exports(package: str):
    """``(__all__, __getattr__, __dir__)`` of a family package, lazily importing its classes."""
    from hf_genomics._lazy import lazy_exports

    names = BY_FOLDER[package.rpartition(".")[2]].exports()
    return list(names), *lazy_exports(package, names)


__all__ = [
    "EVO_LORA_TARGETS",
    "FAMILIES",
    "OUR_TOKENIZERS",
    "Family",
    "family_exports",
    "lora_targets",
    "public_model_names",
]
