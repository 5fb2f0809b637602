"""The study's post-LN Transformer decoder equals PyTorch's own post-LN layer, and behaves as a transformers LM."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hf_genomics.models.genes_transformer import GenesTransformerConfig, GenesTransformerForCausalLM


def _tiny(**overrides) -> GenesTransformerConfig:
    settings = dict(vocab_size=12, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, head_dim=16)
    settings.update(intermediate_size=128, max_position_embeddings=40)
    return GenesTransformerConfig(**{**settings, **overrides})


@pytest.mark.parametrize("implementation", ["eager", "sdpa"])
def test_equals_torch_post_ln_transformer_layers(implementation):
    torch.manual_seed(0)
    config = _tiny()
    model = GenesTransformerForCausalLM(config).eval()
    model.model.config._attn_implementation = implementation
    reference_layers = []
    for layer in model.model.layers:
        ref = nn.TransformerEncoderLayer(
            64, 4, 128, dropout=0.0, activation="relu", batch_first=True, norm_first=False
        )
        attn = layer.self_attn
        with torch.no_grad():
            ref.self_attn.in_proj_weight.copy_(
                torch.cat([attn.q_proj.weight, attn.k_proj.weight, attn.v_proj.weight])
            )
            ref.self_attn.in_proj_bias.copy_(
                torch.cat([attn.q_proj.bias, attn.k_proj.bias, attn.v_proj.bias])
            )
            ref.self_attn.out_proj.load_state_dict(attn.o_proj.state_dict())
            ref.linear1.load_state_dict(layer.up_proj.state_dict())
            ref.linear2.load_state_dict(layer.down_proj.state_dict())
            ref.norm1.load_state_dict(layer.attn_norm.state_dict())
            ref.norm2.load_state_dict(layer.ffn_norm.state_dict())
        reference_layers.append(ref.eval())
    ids = torch.randint(1, 12, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0  # right padding: real tokens never see it under the causal mask
    with torch.no_grad():
        ours = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
        x = model.model.embed_tokens(ids) + model.model.embed_positions(torch.arange(9))[None]
        causal = nn.Transformer.generate_square_subsequent_mask(9)
        for ref in reference_layers:
            x = ref(x, src_mask=causal, is_causal=True)
    torch.testing.assert_close(ours[0], x[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours[1, :6], x[1, :6], atol=1e-5, rtol=1e-5)


def test_study_size_key_dim_independent_of_width_and_parameter_count():
    config = GenesTransformerConfig(vocab_size=8)  # 3 heads x 85 = 255 inside a 256-wide model
    model = GenesTransformerForCausalLM(config)
    per_layer = 4 * 256 * 255 + 3 * 255 + 256 + 2 * 256 * 256 + 256 + 256 + 4 * 256
    expected = 8 * 256 + 1023 * 256 + 4 * per_layer + 256 * 8 + 8
    assert model.num_parameters() == expected
    ids = torch.randint(1, 8, (1, 30))
    assert model(input_ids=ids).logits.shape == (1, 30, 8)


def test_loss_reload_and_generate(tmp_path):
    torch.manual_seed(1)
    model = GenesTransformerForCausalLM(_tiny()).eval()
    ids = torch.randint(1, 12, (2, 10))
    out = model(input_ids=ids, labels=ids)
    manual = nn.functional.cross_entropy(out.logits[:, :-1].reshape(-1, 12), ids[:, 1:].reshape(-1))
    torch.testing.assert_close(out.loss, manual)
    model.save_pretrained(tmp_path)
    from transformers import AutoModelForCausalLM

    import hf_genomics  # noqa: F401

    loaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert type(loaded).__name__ == "GenesTransformerForCausalLM"
    torch.testing.assert_close(loaded(input_ids=ids).logits, model(input_ids=ids).logits)
    generated = loaded.generate(input_ids=ids[:1, :4], max_new_tokens=5, do_sample=False, pad_token_id=0)
    assert generated.shape == (1, 9) and torch.equal(generated[:, :4], ids[:1, :4])
    assert (tmp_path / "modeling_genes_transformer.py").exists()
