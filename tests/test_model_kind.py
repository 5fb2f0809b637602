"""One model-kind detector (issue 21 item 3): analysis and the perplexity harness ask the same
function, so a model is never "masked" to one and unknown to the other."""

from __future__ import annotations

import pytest
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertModel,
    GPT2Config,
    GPT2LMHeadModel,
)

from hf_genomics.analysis import loading
from hf_genomics.evaluation import perplexity
from hf_genomics.models.kind import model_kind
from hf_genomics.models.ngram import NGramLM

BERT = dict(vocab_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (lambda: BertForSequenceClassification(BertConfig(**BERT)), "classifier"),
        (lambda: BertForMaskedLM(BertConfig(**BERT)), "masked"),
        (lambda: GPT2LMHeadModel(GPT2Config(vocab_size=16, n_embd=8, n_layer=1, n_head=2)), "causal"),
        (lambda: BertModel(BertConfig(**BERT)), "base"),
        (lambda: NGramLM(2), "ngram"),
    ],
)
def test_every_layer_agrees_on_the_kind(build, kind):
    model = build()
    assert model_kind(model) == kind
    assert loading.model_kind is model_kind  # analysis re-exports the one detector
    if kind in ("masked", "causal"):
        assert perplexity._model_kind(model, "auto") == kind
    elif kind in ("classifier", "base"):
        with pytest.raises(ValueError, match="causal or masked"):
            perplexity._model_kind(model, "auto")
