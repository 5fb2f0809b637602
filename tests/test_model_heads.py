"""Heads do not drift between families (issue 21 item 3): every head computes its loss through
transformers' ``self.loss_function`` (which picks the loss from the class name, handles the problem
type and moves labels to the logits' device), never through a ``torch.nn`` loss of its own; and the
losses equal the reference formulas (cross-entropy over non-ignored tokens) on a tiny model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from hf_genomics.models.families import FAMILIES

MODELS = Path(__file__).resolve().parents[1] / "hf_genomics" / "models"
HEAD_SUFFIXES = ("ForMaskedLM", "ForCausalLM", "ForSequenceClassification", "ForTokenClassification")
TORCH_LOSSES = {"CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "cross_entropy", "mse_loss"}


def head_classes():
    for family in FAMILIES:
        for path in sorted((MODELS / family.folder).glob("modeling_*.py")):
            tree = ast.parse(path.read_text())
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name.endswith(HEAD_SUFFIXES):
                    yield pytest.param(node, id=f"{family.folder}.{node.name}")


@pytest.mark.parametrize("head", list(head_classes()))
def test_every_head_uses_the_shared_loss(head):
    names = {
        n.attr if isinstance(n, ast.Attribute) else n.id
        for n in ast.walk(head)
        if isinstance(n, (ast.Name, ast.Attribute))
    }
    assert not names & TORCH_LOSSES, f"{head.name} computes its own loss ({names & TORCH_LOSSES})"
    forward = next((f for f in head.body if isinstance(f, ast.FunctionDef) and f.name == "forward"), None)
    if forward is not None and "labels" in {a.arg for a in forward.args.args + forward.args.kwonlyargs}:
        assert "loss_function" in names, f"{head.name} takes labels but never calls self.loss_function"


def test_token_classification_and_masked_lm_losses_equal_cross_entropy():
    from hf_genomics.models.gena_lm.configuration_gena_lm import GenaLmConfig
    from hf_genomics.models.gena_lm.modeling_gena_lm import GenaLmForMaskedLM, GenaLmForTokenClassification

    config = GenaLmConfig(vocab_size=20, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                          intermediate_size=32, max_position_embeddings=32, num_labels=3)  # fmt: skip
    torch.manual_seed(0)
    ids = torch.randint(5, 20, (2, 7))
    token_labels = torch.randint(0, 3, (2, 7))
    token_labels[0, :2] = -100
    out = GenaLmForTokenClassification(config).eval()(input_ids=ids, labels=token_labels)
    expected = torch.nn.functional.cross_entropy(out.logits.reshape(-1, 3), token_labels.reshape(-1))
    torch.testing.assert_close(out.loss, expected)
    mlm_labels = torch.full_like(ids, -100)
    mlm_labels[:, 3] = ids[:, 3]
    out = GenaLmForMaskedLM(config).eval()(input_ids=ids, labels=mlm_labels)
    expected = torch.nn.functional.cross_entropy(
        out.logits.reshape(-1, out.logits.shape[-1]).float(), mlm_labels.reshape(-1)
    )
    torch.testing.assert_close(out.loss, expected)
