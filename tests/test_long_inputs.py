"""Long-input paths give the outputs of the all-at-once forward (issue #19).

Caduceus mixes long inputs a piece at a time with the scan state and the convolution's history
carried (``mixer_chunk_size``); HyenaDNA runs its operator a group of channels at a time and its
filters, MLP and output projection a chunk of positions at a time (``long_input_chunk_size``).
Here on short inputs with tiny chunks, against the unchunked forward; the memory they save is
measured by benchmarks/bench_long_inputs.py.
"""

from __future__ import annotations

import pytest
import torch

from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
from hf_genomics.models.caduceus.modeling_caduceus import (
    CaduceusForMaskedLM,
    CaduceusForSequenceClassification,
)
from hf_genomics.models.caduceus.selective_scan import selective_scan
from hf_genomics.models.hyenadna import modeling_hyenadna
from hf_genomics.models.hyenadna.configuration_hyenadna import HyenaDnaConfig


def _batch(length: int = 61):
    ids = torch.randint(7, 11, (2, length))
    mask = torch.ones(2, length, dtype=torch.long)
    mask[1, :9] = 0
    return ids, mask


def test_scan_in_pieces_with_carried_state_equals_one_scan():
    torch.manual_seed(0)
    b, g, d, n, length = 2, 2, 5, 4, 50
    u, dt, z = torch.randn(b, g, d, length), torch.randn(b, g, d, length), torch.randn(b, g, d, length)
    A, B, C = -torch.rand(g, d, n) * 4, torch.randn(b, g, n, length), torch.randn(b, g, n, length)
    D, bias = torch.randn(g, d), torch.randn(g, d)
    whole = selective_scan(u, dt, A, B, C, D, z, bias, block=8)
    state, pieces = None, []
    for start in range(0, length, 13):
        part = slice(start, start + 13)
        y, state = selective_scan(
            u[..., part], dt[..., part], A, B[..., part], C[..., part], D, z[..., part], bias,
            block=8, initial_state=state, return_state=True,
        )  # fmt: skip
        pieces.append(y)
    torch.testing.assert_close(torch.cat(pieces, dim=-1), whole, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("rcps", [False, True])
@pytest.mark.parametrize("tied", [True, False])
def test_caduceus_chunked_mixer_equals_the_whole_forward(rcps, tied):
    torch.manual_seed(0)
    config = CaduceusConfig(
        hidden_size=16, num_hidden_layers=2, rcps=rcps, bidirectional_weight_tie=tied, mixer_chunk_size=None
    )
    model = CaduceusForMaskedLM(config).eval()
    ids, mask = _batch()
    with torch.no_grad():
        whole, whole_masked = model(input_ids=ids).logits, model(input_ids=ids, attention_mask=mask).logits
        for layer in model.model.layers:
            layer.mixer.chunk_size = 7
        chunked, chunked_masked = (
            model(input_ids=ids).logits,
            model(input_ids=ids, attention_mask=mask).logits,
        )
    torch.testing.assert_close(chunked, whole, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(chunked_masked, whole_masked, atol=1e-6, rtol=1e-5)


def test_caduceus_chunk_size_from_the_config_and_conjoined_classifier():
    torch.manual_seed(0)
    config = CaduceusConfig(hidden_size=16, num_hidden_layers=2, conjoin_eval=True, mixer_chunk_size=None)
    whole = CaduceusForSequenceClassification(config).eval()
    chunked = CaduceusForSequenceClassification(
        CaduceusConfig(**{**config.to_dict(), "mixer_chunk_size": 5})
    ).eval()
    chunked.load_state_dict(whole.state_dict())
    assert chunked.model.layers[0].mixer.chunk_size == 5
    ids, mask = _batch(40)
    with torch.no_grad():
        expected = whole(input_ids=ids, attention_mask=mask).logits
        torch.testing.assert_close(
            chunked(input_ids=ids, attention_mask=mask).logits, expected, atol=1e-6, rtol=1e-5
        )


@pytest.mark.parametrize("order", [2, 3])
def test_hyenadna_grouped_operator_and_chunked_positions_equal_the_whole_forward(order, monkeypatch):
    torch.manual_seed(0)
    config = HyenaDnaConfig(
        d_model=16,
        n_layer=2,
        d_inner=32,
        max_seq_len=80,
        filter_order=16,
        hyena_order=order,
        long_input_chunk_size=None,
    )
    model = modeling_hyenadna.HyenaDnaForCausalLM(config).eval()
    ids, mask = _batch(61)
    with torch.no_grad():
        whole, whole_masked = model(input_ids=ids).logits, model(input_ids=ids, attention_mask=mask).logits
        for layer in model.model.layers:
            layer.mixer.chunk_size = 7
        monkeypatch.setattr(modeling_hyenadna, "LONG_CONV_ELEMENTS", 61 * 5)  # groups of 5 channels
        chunked, chunked_masked = (
            model(input_ids=ids).logits,
            model(input_ids=ids, attention_mask=mask).logits,
        )
    torch.testing.assert_close(chunked, whole, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(chunked_masked, whole_masked, atol=1e-6, rtol=1e-5)


def test_hyenadna_filters_in_chunks_equal_the_whole_filters():
    torch.manual_seed(0)
    config = HyenaDnaConfig(d_model=8, n_layer=1, d_inner=16, max_seq_len=50, filter_order=8)
    layer = modeling_hyenadna.HyenaDnaModel(config).layers[0].mixer.filter_fn
    with torch.no_grad():
        torch.testing.assert_close(layer(47, chunk_size=6), layer(47), atol=1e-6, rtol=1e-5)
