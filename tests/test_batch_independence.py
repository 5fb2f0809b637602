"""Padding never changes a sequence's outputs (issue #19): every family, alone vs in a padded batch.

For each ported family (DNABERT-1 = transformers' BERT, DNABERT-2, Nucleotide Transformer v1 = ESM
and v2, GENA-LM, HyenaDNA, Caduceus -ph and -ps) and our encoder (each position scheme), a tiny
random model embeds a sequence alone and as the shorter row of a padded batch (with its
``attention_mask``), on the padding side its tokenizer uses and, for the recurrent/convolutional
models, on both sides. Hidden states at the real positions and the classifier's logits must agree.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

import hf_genomics  # noqa: F401

SIDES = ("left", "right")


def _dnabert1():
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    config = BertConfig(
        vocab_size=69,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=0,
    )
    return BertModel(config), BertForSequenceClassification(config), 0, ("right",)


def _dnabert2():
    from hf_genomics.models.dnabert2.configuration_dnabert2 import Dnabert2Config
    from hf_genomics.models.dnabert2.modeling_dnabert2 import Dnabert2ForSequenceClassification, Dnabert2Model

    config = Dnabert2Config(
        vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32
    )
    return Dnabert2Model(config), Dnabert2ForSequenceClassification(config), 3, ("right",)


def _nt_v1():
    from transformers import EsmConfig, EsmForSequenceClassification, EsmModel

    config = EsmConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=1,
        position_embedding_type="absolute",
    )
    return EsmModel(config), EsmForSequenceClassification(config), 1, ("right",)


def _nt_v2():
    from hf_genomics.models.nucleotide_transformer.configuration_nucleotide_transformer import (
        NucleotideTransformerConfig,
    )
    from hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer import (
        NucleotideTransformerForSequenceClassification,
        NucleotideTransformerModel,
    )

    config = NucleotideTransformerConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32
    )
    model, classifier = (
        NucleotideTransformerModel(config),
        NucleotideTransformerForSequenceClassification(config),
    )
    return model, classifier, 1, ("right",)


def _gena_lm():
    from hf_genomics.models.gena_lm.configuration_gena_lm import GenaLmConfig
    from hf_genomics.models.gena_lm.modeling_gena_lm import GenaLmForSequenceClassification, GenaLmModel

    config = GenaLmConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        last_layer_norm=True,
    )
    return GenaLmModel(config), GenaLmForSequenceClassification(config), 3, ("right",)


def _hyenadna(pooling: str):
    def build():
        from hf_genomics.models.hyenadna.configuration_hyenadna import HyenaDnaConfig
        from hf_genomics.models.hyenadna.modeling_hyenadna import (
            HyenaDnaForSequenceClassification,
            HyenaDnaModel,
        )

        config = HyenaDnaConfig(
            d_model=16, n_layer=2, d_inner=32, max_seq_len=64, filter_order=16, classifier_pooling=pooling
        )
        return HyenaDnaModel(config), HyenaDnaForSequenceClassification(config), 4, SIDES

    return build


def _caduceus(rcps: bool, conjoin: bool = False, pooling: str = "mean"):
    def build():
        from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
        from hf_genomics.models.caduceus.modeling_caduceus import (
            CaduceusForSequenceClassification,
            CaduceusModel,
        )

        config = CaduceusConfig(
            hidden_size=16, num_hidden_layers=2, rcps=rcps, conjoin_eval=conjoin, pooling_strategy=pooling
        )
        return CaduceusModel(config), CaduceusForSequenceClassification(config), 4, SIDES

    return build


def _encoder(position: str):
    def build():
        from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
        from hf_genomics.models.encoder.modeling_dna_encoder import (
            DnaEncoderForSequenceClassification,
            DnaEncoderModel,
        )

        config = DnaEncoderConfig(
            vocab_size=64,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=64,
            position_embedding_type=position,
            classifier_pooling="mean",
        )
        return DnaEncoderModel(config), DnaEncoderForSequenceClassification(config), 0, ("right",)

    return build


FAMILIES: dict[str, Callable] = {
    "dnabert1": _dnabert1,
    "dnabert2": _dnabert2,
    "nucleotide_transformer_v1": _nt_v1,
    "nucleotide_transformer_v2": _nt_v2,
    "gena_lm": _gena_lm,
    "hyenadna_last": _hyenadna("last"),
    "hyenadna_mean": _hyenadna("mean"),
    "caduceus_ph": _caduceus(rcps=False),
    "caduceus_ph_conjoined_max": _caduceus(rcps=False, conjoin=True, pooling="max"),
    "caduceus_ps": _caduceus(rcps=True),
    "caduceus_ps_last": _caduceus(rcps=True, pooling="last"),
    "encoder_rope": _encoder("rope"),
    "encoder_alibi": _encoder("alibi"),
    "encoder_sinusoidal": _encoder("sinusoidal"),
}


def padded_pair(short: torch.Tensor, long: torch.Tensor, pad_id: int, side: str):
    """A batch of ``short`` (padded to ``long``'s length on ``side``) and ``long``, with its mask."""
    gap = long.shape[-1] - short.shape[-1]
    pad = torch.full((gap,), pad_id, dtype=short.dtype)
    padded = torch.cat([pad, short]) if side == "left" else torch.cat([short, pad])
    mask = torch.ones(2, long.shape[-1], dtype=torch.long)
    if side == "left":
        mask[0, :gap] = 0
    else:
        mask[0, long.shape[-1] - gap :] = 0
    real = slice(gap, None) if side == "left" else slice(0, short.shape[-1])
    return torch.stack([padded, long]), mask, real


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_sequence_gives_the_same_outputs_alone_and_in_a_padded_batch(family):
    torch.manual_seed(0)
    model, classifier, pad_id, sides = FAMILIES[family]()
    model.eval(), classifier.eval()
    short = torch.randint(7, 11, (11,))  # A/C/G/T in the character vocabularies, plain ids elsewhere
    long = torch.randint(7, 11, (23,))
    with torch.no_grad():
        alone_hidden = model(input_ids=short[None], attention_mask=torch.ones(1, 11, dtype=torch.long))
        alone_logits = classifier(
            input_ids=short[None], attention_mask=torch.ones(1, 11, dtype=torch.long)
        ).logits
        for side in sides:
            ids, mask, real = padded_pair(short, long, pad_id, side)
            batched = model(input_ids=ids, attention_mask=mask).last_hidden_state
            torch.testing.assert_close(
                batched[0, real], alone_hidden.last_hidden_state[0], atol=2e-5, rtol=1e-4
            )
            logits = classifier(input_ids=ids, attention_mask=mask).logits
            torch.testing.assert_close(logits[0], alone_logits[0], atol=2e-5, rtol=1e-4)


def test_caduceus_without_a_mask_keeps_the_originals_padding_leak():
    """No mask = the original's computation (its fixtures were made that way); the mask is what fixes it."""
    torch.manual_seed(0)
    _, classifier, pad_id, _ = _caduceus(rcps=False)()
    classifier.eval()
    short, long = torch.randint(7, 11, (11,)), torch.randint(7, 11, (23,))
    ids, mask, _ = padded_pair(short, long, pad_id, "left")
    with torch.no_grad():
        alone = classifier(input_ids=short[None]).logits[0]
        unmasked = classifier(input_ids=ids).logits[0]
        masked = classifier(input_ids=ids, attention_mask=mask).logits[0]
    assert (unmasked - alone).abs().max() > 1e-4
    torch.testing.assert_close(masked, alone, atol=2e-5, rtol=1e-4)
