"""MarinDNA (Marin / Bolinas-DNA): the original character tokenizer's ids, natively.

The models themselves are transformers' own ``LlamaForCausalLM`` / ``Qwen3ForCausalLM`` (Levanter's
Hugging Face export), so this package holds only what transformers lacks: the tokenizer with the
package's input policy (:mod:`.tokenization_marin_dna`) and the recognition of an original folder
(:mod:`.original_layout`).
"""

from __future__ import annotations

from hf_genomics.models.marin_dna.tokenization_marin_dna import MARIN_CHAR_BOS_VOCAB, MarinDnaTokenizer

__all__ = ["MARIN_CHAR_BOS_VOCAB", "MarinDnaTokenizer"]
