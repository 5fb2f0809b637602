"""Encoder attention at length: ALiBi built per query chunk (memory linear in L), no host syncs in
``forward``, flash kernels refused for ALiBi with a clear message, losses through ``loss_function``."""

from __future__ import annotations

import traceback

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from hf_genomics.models.encoder import modeling_dna_encoder as encoder
from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.layers import alibi

VOCAB = 40


def tiny(position: str, **overrides) -> DnaEncoderConfig:
    settings = dict(position_embedding_type=position, vocab_size=VOCAB, num_attention_heads=4)
    return DnaEncoderConfig.from_preset("tiny", **{**settings, **overrides})


def padded_batch(length: int = 17) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(5, VOCAB, (3, length), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    mask[1, length - 5 :] = 0
    mask[2, 4:] = 0
    return ids, mask


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_alibi_in_query_chunks_equals_one_chunk(attn, monkeypatch):
    torch.manual_seed(0)
    model = encoder.DnaEncoderModel(tiny("alibi", attn_implementation=attn)).eval()
    ids, mask = padded_batch()
    position_ids = torch.arange(17).unsqueeze(0) + 3  # offsets too
    with torch.no_grad():
        whole = model(input_ids=ids, attention_mask=mask, position_ids=position_ids, output_attentions=True)
        row_bytes = 3 * 4 * 17 * 4  # batch × heads × keys × float32
        monkeypatch.setattr(alibi, "ALIBI_CHUNK_BYTES", 5 * row_bytes)  # chunks of 5, 5, 5, 2 rows
        chunked = model(input_ids=ids, attention_mask=mask, position_ids=position_ids, output_attentions=True)
    real = mask.bool()
    torch.testing.assert_close(
        chunked.last_hidden_state[real], whole.last_hidden_state[real], rtol=1e-5, atol=1e-6
    )
    if attn == "eager":
        torch.testing.assert_close(chunked.attentions[0], whole.attentions[0], rtol=1e-5, atol=1e-7)


def test_alibi_bias_memory_is_linear_in_length(monkeypatch):
    """No bias larger than the chunk budget is ever built, so a long input never materialises
    heads × L × L (80 GB at 100k tokens with 12 heads): the largest chunk stays at the budget."""
    built: list[tuple[int, ...]] = []
    original = encoder.symmetric_alibi_bias

    def recording(*args, **kwargs):
        bias = original(*args, **kwargs)
        built.append(tuple(bias.shape))
        return bias

    monkeypatch.setattr(encoder, "symmetric_alibi_bias", recording)
    budget = 64 * 1024
    monkeypatch.setattr(alibi, "ALIBI_CHUNK_BYTES", budget)
    model = encoder.DnaEncoderModel(tiny("alibi", attn_implementation="sdpa")).eval()
    length = 1500
    with torch.no_grad():
        out = model(input_ids=torch.randint(5, VOCAB, (1, length))).last_hidden_state
    assert torch.isfinite(out).all()
    assert all(b * h * q * k * 4 <= budget for b, h, q, k in built)
    assert sum(shape[2] for shape in built) == length * model.config.num_hidden_layers
    full = model.config.num_attention_heads * length * length * 4
    assert max(b * h * q * k * 4 for b, h, q, k in built) <= full / 50


class HostSyncs(TorchDispatchMode):
    """Records operations that copy a tensor value to the host (``.item()``, ``bool()``, ``int()``)."""

    def __init__(self):
        super().__init__()
        self.stacks: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in (torch.ops.aten._local_scalar_dense.default, torch.ops.aten.is_nonzero.default):
            self.stacks.append("".join(traceback.format_stack()))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("position", ["sinusoidal", "alibi", "rope"])
@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_forward_makes_no_host_sync(position, attn):
    """Our code syncs nowhere; transformers' mask helper checks ``padding_mask.all()`` to skip the
    mask for SDPA (as in every transformers model), the one sync allowed, and ALiBi avoids it."""
    torch.manual_seed(0)
    ids, mask = padded_batch()
    models = {
        "sequence": (
            encoder.DnaEncoderForSequenceClassification(
                tiny(position, attn_implementation=attn, num_labels=3)
            ),
            torch.tensor([0, 2, 1]),
        ),
        "token": (
            encoder.DnaEncoderForTokenClassification(tiny(position, attn_implementation=attn, num_labels=2)),
            torch.randint(0, 2, ids.shape),
        ),
        "mlm (dense)": (
            encoder.DnaEncoderForMaskedLM(tiny(position, attn_implementation=attn, sparse_prediction=False)),
            torch.where(torch.rand(ids.shape) < 0.3, ids, -100),
        ),
    }
    for name, (model, labels) in models.items():
        with HostSyncs() as syncs:
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
        ours = [stack for stack in syncs.stacks if "masking_utils.py" not in stack]
        assert not ours, f"{name}: host sync at\n{ours[0][-2500:]}"
        if position == "alibi":
            assert not syncs.stacks, name


def test_flash_attention_is_refused_for_alibi_only():
    assert encoder.DnaEncoderModel(tiny("rope"))._supports_flash_attn
    assert encoder.DnaEncoderModel(tiny("sinusoidal"))._supports_flash_attn
    model = encoder.DnaEncoderModel(tiny("alibi"))
    assert not model._supports_flash_attn
    with pytest.raises(ValueError, match="ALiBi adds a float bias"):
        encoder.DnaEncoderModel(tiny("alibi", attn_implementation="flash_attention_2"))
    with pytest.raises(ValueError, match="ALiBi adds a float bias"):
        model.set_attn_implementation("flash_attention_2")


def test_classification_losses_are_transformers_loss_functions():
    from transformers.loss.loss_utils import ForSequenceClassificationLoss, ForTokenClassification

    assert encoder.DnaEncoderForSequenceClassification(tiny("rope", num_labels=2)).loss_function is (
        ForSequenceClassificationLoss
    )
    assert encoder.DnaEncoderForTokenClassification(tiny("rope", num_labels=2)).loss_function is (
        ForTokenClassification
    )
    torch.manual_seed(1)
    model = encoder.DnaEncoderForTokenClassification(tiny("rope", num_labels=3)).eval()
    ids, mask = padded_batch()
    labels = torch.randint(0, 3, ids.shape).masked_fill(mask == 0, -100)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    expected = torch.nn.functional.cross_entropy(
        out.logits.reshape(-1, 3), labels.reshape(-1), ignore_index=-100
    )
    torch.testing.assert_close(out.loss, expected)


def test_layers_are_reexported_from_the_modeling_file():
    from hf_genomics.models.encoder.modeling_dna_encoder import (  # noqa: F401  (port helpers use these)
        alibi_slopes,
        apply_rotary_pos_emb,
        eager_attention_forward,
        rotate_half,
        sinusoidal_table,
    )
    from hf_genomics.models.layers.alibi import alibi_slopes as moved

    assert alibi_slopes is moved


def test_eager_scores_that_cannot_fit_are_refused(monkeypatch):
    from hf_genomics.models.layers import attention

    monkeypatch.setattr(attention, "device_memory_bytes", lambda device: 10_000)  # a 10 kB machine
    ids, mask = padded_batch()
    rope = encoder.DnaEncoderModel(tiny("rope", attn_implementation="eager")).eval()
    with pytest.raises(
        ValueError,
        match=r"eager attention: \(3, 4, 17, 17\) attention scores need .* use attn_implementation='sdpa'",
    ):
        rope(input_ids=ids, attention_mask=mask)
    sdpa = encoder.DnaEncoderModel(tiny("rope", attn_implementation="sdpa")).eval()
    assert torch.isfinite(sdpa(input_ids=ids, attention_mask=mask).last_hidden_state).all()
    # ALiBi on eager keeps only one query chunk of scores, unless attention maps are asked for
    monkeypatch.setattr(alibi, "ALIBI_CHUNK_BYTES", 3 * 4 * 17 * 4)  # one row per chunk
    model = encoder.DnaEncoderModel(tiny("alibi", attn_implementation="eager")).eval()
    assert torch.isfinite(model(input_ids=ids, attention_mask=mask).last_hidden_state).all()
    with pytest.raises(ValueError, match="eager attention"):
        model(input_ids=ids, attention_mask=mask, output_attentions=True)
