"""extend_learned_positions: a trained learned-position table grown for longer inputs (the genes
study's mutated genes) keeps every trained row and output, and new rows start as the model's init."""

from __future__ import annotations

import pytest
import torch

from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
from hf_genomics.models.genes_transformer import GenesTransformerConfig, GenesTransformerForCausalLM
from hf_genomics.models.learned_positions import extend_learned_positions


def _models():
    torch.manual_seed(0)
    lstm = DnaLstmForCausalLM(
        DnaLstmConfig.from_preset("tiny", vocab_size=8, position_embedding=True, max_position_embeddings=16)
    )
    transformer = GenesTransformerForCausalLM(
        GenesTransformerConfig(
            vocab_size=8,
            hidden_size=16,
            num_hidden_layers=1,
            head_dim=8,
            intermediate_size=16,
            max_position_embeddings=16,
        )  # fmt: skip
    )
    return {"lstm": lstm.eval(), "transformer": transformer.eval()}


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_grown_table_keeps_outputs_and_serves_longer_inputs(kind, tmp_path):
    model = _models()[kind]
    short, long = torch.randint(1, 8, (2, 12)), torch.randint(1, 8, (2, 24))
    with torch.no_grad():
        before = model(input_ids=short).logits
    with pytest.raises((IndexError, ValueError)):
        model(input_ids=long)
    table = next(
        m for n, m in model.named_modules() if n.endswith(("embed_positions", "position_embeddings"))
    )
    trained = table.weight.detach().clone()

    assert extend_learned_positions(model, 32) and model.config.max_position_embeddings == 32
    grown = next(
        m for n, m in model.named_modules() if n.endswith(("embed_positions", "position_embeddings"))
    )
    assert grown.weight.shape[0] == 32 and torch.equal(grown.weight[:16], trained)
    new_rows = grown.weight[16:].detach()
    assert 0 < float(new_rows.std()) < 0.2 and not torch.equal(new_rows, torch.zeros_like(new_rows))
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids=short).logits, before, rtol=0, atol=0)
        assert model(input_ids=long).logits.shape == (2, 24, 8)
    assert not extend_learned_positions(model, 20)  # already large enough: nothing changes

    model.save_pretrained(tmp_path)  # the grown model is an ordinary folder
    reloaded = type(model).from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids=long).logits, model(input_ids=long).logits)


def test_seeded_and_refuses_models_without_a_table():
    first, second = _models()["transformer"], _models()["transformer"]
    extend_learned_positions(first, 24)
    extend_learned_positions(second, 24)
    assert torch.equal(first.model.embed_positions.weight, second.model.embed_positions.weight)
    plain = DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=8))
    plain.config.max_position_embeddings = 4
    with pytest.raises(ValueError, match="no learned position table"):
        extend_learned_positions(plain, 8)
