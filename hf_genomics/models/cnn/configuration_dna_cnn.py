"""Configuration of the dilated residual DNA CNN (Basset / BPNet line)."""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig

# CPU-sized presets. Channels and depth set the cost; with dilations 1, 2, 4, ... the receptive
# field of the stack is stem_kernel_size + (kernel_size - 1) * (2**num_hidden_layers - 1) tokens.
PRESETS: dict[str, dict] = {
    "small": dict(hidden_size=128, num_hidden_layers=5, embedding_size=16, stem_kernel_size=15),
    "base": dict(hidden_size=256, num_hidden_layers=6, embedding_size=32, stem_kernel_size=15),
    "tiny": dict(hidden_size=16, num_hidden_layers=2, embedding_size=8, stem_kernel_size=5),
}
POOLINGS = ("mean_max", "mean", "max")
BLOCK_DROPOUTS = ("element", "channel")


@strict
class DnaCnnConfig(PreTrainedConfig):
    r"""Token embedding -> wide "stem" convolution -> residual blocks of dilated convolutions ->
    masked pooling over positions -> a two-layer head.

    vocab_size: the tokenizer's vocabulary (``char``: one token per base, so the embedding is a
        learned one-hot code; ``kmer:K:1``: overlapping k-mer embeddings).
    embedding_size: width of the token embedding fed to the stem (small: a base needs few numbers).
    hidden_size: channels of every convolution after the stem.
    stem_kernel_size: width, in tokens, of the first convolution (motif detectors, as in Basset).
    num_hidden_layers: residual blocks; block ``i`` uses dilation ``dilation_base ** i`` (BPNet).
    kernel_size: width of the dilated convolutions.
    hidden_dropout_prob: dropout after every block and in the head.
    block_dropout: what a block's dropout zeroes: ``element`` (single values) or ``channel`` (whole
        channels of a row, spatial dropout: one random draw per channel, so cheap on CPU).
    pooling: ``mean_max`` (both, concatenated), ``mean`` or ``max`` over real (unpadded) positions.
    position_bins: besides pooling over the whole sequence, pool (the same way) over this many equal
        stretches of each row's real length, so the head knows *where* a motif sits (a TATA box ~30 bp
        upstream of the TSS, a binding site at the peak's centre); 1: global pooling only.
    reverse_complement_sharing: run the same weights on both strands and average the pooled
        features, so the prediction is identical for a sequence and its reverse complement.
    rc_token_map: token id -> id of its reverse-complement token (``[CLS]`` and ``[SEP]`` swap, other
        special tokens map to themselves); needed by ``reverse_complement_sharing``.
    kmer_sizes: a "wide" branch beside the convolutions: for each k, the sum of learned k-mer
        embeddings over the sequence's k-mers (fastText's bag of n-grams; with a linear head it is
        a logistic regression on k-mer counts), concatenated to the pooled convolution features.
        Empty: no branch. Needs ``base_token_codes``.
    kmer_embedding_size: width of each k-mer embedding.
    base_token_codes: token id -> base code (A 0, C 1, G 2, T 3; -1 for ``N`` and special tokens),
        for one-base-per-token vocabularies (``char``); k-mers containing -1 are not counted.
    """

    model_type = "dna_cnn"

    vocab_size: int = 10
    embedding_size: int = 16
    hidden_size: int = 128
    stem_kernel_size: int = 15
    num_hidden_layers: int = 5
    kernel_size: int = 3
    dilation_base: int = 2
    hidden_dropout_prob: float = 0.1
    block_dropout: str = "element"
    pooling: str = "mean_max"
    position_bins: int = 1
    reverse_complement_sharing: bool = False
    rc_token_map: list[int] | None = None
    kmer_sizes: list[int] = ()
    kmer_embedding_size: int = 32
    base_token_codes: list[int] | None = None
    batch_norm_momentum: float = 0.1
    initializer_range: float = 0.02
    pad_token_id: int | None = 0
    cls_token_id: int | None = None
    sep_token_id: int | None = None

    def validate_architecture(self):
        """Part of ``@strict`` validation."""
        if self.num_hidden_layers < 0:
            raise ValueError(f"num_hidden_layers must be >= 0, got {self.num_hidden_layers}")
        if self.position_bins < 1:
            raise ValueError(f"position_bins must be >= 1, got {self.position_bins}")
        if self.block_dropout not in BLOCK_DROPOUTS:
            raise ValueError(f"block_dropout must be one of {BLOCK_DROPOUTS}, got {self.block_dropout!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.stem_kernel_size % 2 == 0 or self.kernel_size % 2 == 0:
            raise ValueError("stem_kernel_size and kernel_size must be odd (same-length convolutions)")
        if self.reverse_complement_sharing:
            if self.rc_token_map is None:
                raise ValueError("reverse_complement_sharing needs rc_token_map (token id -> its complement)")
            if len(self.rc_token_map) != self.vocab_size:
                raise ValueError(
                    f"rc_token_map has {len(self.rc_token_map)} entries for a vocabulary of {self.vocab_size}"
                )

        if self.kmer_sizes:
            if self.base_token_codes is None or len(self.base_token_codes) != self.vocab_size:
                raise ValueError("kmer_sizes needs base_token_codes (token id -> base code), one per token")
            if any(not 1 <= k <= 8 for k in self.kmer_sizes):
                raise ValueError(f"kmer_sizes must be within 1..8, got {list(self.kmer_sizes)}")

    @property
    def pooled_size(self) -> int:
        """Width of the pooled features the head reads."""
        bins = 1 if self.position_bins == 1 else 1 + self.position_bins  # the whole row, then each stretch
        conv = self.hidden_size * (2 if self.pooling == "mean_max" else 1) * bins
        return conv + self.kmer_embedding_size * len(self.kmer_sizes)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> DnaCnnConfig:
        """A config from a named preset (``small``, ``base``, ``tiny``) plus overrides."""
        if name not in PRESETS:
            raise ValueError(f"unknown DnaCnn preset {name!r}; choose from {sorted(PRESETS)}")
        return cls(**{**PRESETS[name], **overrides})

    @property
    def receptive_field(self) -> int:
        """Tokens one output position of the last block sees."""
        field = self.stem_kernel_size
        for i in range(self.num_hidden_layers):
            field += (self.kernel_size - 1) * self.dilation_base**i
        return field


__all__ = ["PRESETS", "DnaCnnConfig"]
