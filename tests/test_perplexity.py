"""The one harness: same conventions for n-gram, causal LMs (LSTM, GPT-NeoX) and encoders (PLL)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import hf_genomics  # noqa: F401
from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM, NGramLM
from hf_genomics.evaluation import evaluate_perplexity, mutation_accuracy, sequence_log_likelihoods
from hf_genomics.evaluation.mutation_task import mutation_task_scores
from hf_genomics.evaluation.perplexity import SequenceScores
from hf_genomics.tokenization.spec import build_tokenizer

SEQS = ["ACGTACGTTA", "GGC", "ATATATATATATCG", "C"]


def tiny_lstm(tokenizer):
    torch.manual_seed(0)
    config = DnaLstmConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return DnaLstmForCausalLM(config).eval()


def manual_causal_nll(model, tokenizer, seq: str) -> tuple[float, int]:
    ids = tokenizer([seq], return_tensors="pt", add_eos_token=True)["input_ids"]
    with torch.no_grad():
        log_probs = torch.log_softmax(model(input_ids=ids).logits[0, :-1], dim=-1)
    return -float(log_probs.gather(-1, ids[0, 1:, None]).sum()), ids.shape[1] - 1


def test_ngram_through_the_harness():
    model = NGramLM(3).fit(["ACGTACGTAGGCTA", "TTAGCA"] * 3)
    scores = sequence_log_likelihoods(model, SEQS)
    assert scores.perplexity() == pytest.approx(model.perplexity(SEQS))
    assert scores.n_predicted_tokens.tolist() == [len(s) + 1 for s in SEQS]
    summary = evaluate_perplexity(model, SEQS)
    assert summary["bits_per_nucleotide"] == pytest.approx(
        summary["nll_nats"] / math.log(2) / sum(map(len, SEQS))
    )


@pytest.mark.parametrize("family", ["lstm", "gpt_neox"])
def test_causal_batched_equals_one_by_one(family):
    tokenizer = build_tokenizer("char", causal=True)
    if family == "lstm":
        model = tiny_lstm(tokenizer)
    else:
        from transformers import GPTNeoXForCausalLM

        from hf_genomics import pythia_config

        torch.manual_seed(0)
        model = GPTNeoXForCausalLM(
            pythia_config(
                "tiny",
                len(tokenizer),
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        ).eval()
    scores = sequence_log_likelihoods(model, SEQS, tokenizer, batch_size=3)
    for i, seq in enumerate(SEQS):
        nll, n = manual_causal_nll(model, tokenizer, seq)
        assert scores.nll_nats[i] == pytest.approx(nll, rel=1e-5)
        assert scores.n_predicted_tokens[i] == n == len(seq) + 1  # bases + [EOS], like the n-gram


def test_kmer_tokenizer_counts_tokens_and_nucleotides():
    tokenizer = build_tokenizer("kmer:3", causal=True)
    model = tiny_lstm(tokenizer)
    scores = sequence_log_likelihoods(model, ["ACGTACGTA", "ACGTA"], tokenizer)
    assert scores.n_predicted_tokens.tolist() == [4, 4]  # ACG TAC GTA [EOS]; ACG T A [EOS]
    assert scores.n_nucleotides.tolist() == [9, 5]


def test_encoder_pseudo_log_likelihood():
    from hf_genomics import DnaEncoderConfig, DnaEncoderForMaskedLM

    tokenizer = build_tokenizer("char")
    torch.manual_seed(0)
    config = DnaEncoderConfig.from_preset("tiny", vocab_size=len(tokenizer))
    model = DnaEncoderForMaskedLM(config).eval()
    scores = sequence_log_likelihoods(model, ["ACGTA", "GG"], tokenizer, batch_size=2)
    ids = tokenizer(["ACGTA"], return_tensors="pt")["input_ids"][0]
    expected = 0.0
    with torch.no_grad():
        for position in range(1, len(ids) - 1):  # [CLS] ... [SEP]
            masked = ids.clone()
            masked[position] = tokenizer.mask_token_id
            logits = model(input_ids=masked[None]).logits[0, position]
            expected -= float(torch.log_softmax(logits, -1)[ids[position]])
    assert scores.nll_nats[0] == pytest.approx(expected, rel=1e-5)
    assert scores.n_predicted_tokens.tolist() == [5, 2]


class FixedScores:
    """A stand-in model whose per-sequence scores are given."""

    def __init__(self, table: dict[str, tuple[float, int]]) -> None:
        self.table = table

    def sequence_log_likelihoods(self, seqs):
        nll = np.array([self.table[s][0] for s in seqs])
        n = np.array([self.table[s][1] for s in seqs])
        return nll, n, n - 1


def test_mutation_accuracy_modes_and_ties():
    # real: nll 10 over 10 tokens (ppl e^1); mutated: longer, nll 10.5 over 12 tokens (ppl lower)
    model = FixedScores({"R": (10.0, 10), "M": (10.5, 12), "T": (10.0, 10)})
    assert mutation_accuracy(model, ["R"], ["M"], mode="probability") == 1.0
    assert mutation_accuracy(model, ["R"], ["M"], mode="perplexity") == 0.0
    assert mutation_task_scores(model, ["R"], ["T"]) == {"perplexity": 0.0, "probability": 0.0}  # ties miss
    with pytest.raises(ValueError, match="mode"):
        mutation_accuracy(model, ["R"], ["M"], mode="bleu")


def test_ngram_prefers_real_genes():
    from hf_genomics.data.mutations import make_mutation_pairs

    rng = np.random.default_rng(0)
    motif = "ATGGCGGCTAGCTTACGA"
    genes = ["".join(rng.choice(list("ACGT"), 5)) + motif * 4 for _ in range(50)]
    model = NGramLM(5).fit(genes)
    pairs = make_mutation_pairs(genes, n_pairs=100, max_mutations=3, seed=1)
    assert mutation_accuracy(model, pairs["real"], pairs["mutated"]) > 0.9


def test_scores_helpers():
    scores = SequenceScores(np.array([2.0, 4.0]), np.array([2, 2]), np.array([1, 1]))
    assert scores.perplexity() == pytest.approx(math.exp(1.5))
    assert scores.sequence_perplexities().tolist() == pytest.approx([math.e, math.e**2])
    with pytest.raises(ValueError, match="tokenizer"):
        sequence_log_likelihoods(tiny_lstm(build_tokenizer("char", causal=True)), ["A"])


def test_causal_scoring_is_not_stopped_by_the_tokenizer_length_guard():
    """A mutated 1,000-nt gene can exceed a saved tokenizer's model_max_length by a few tokens; the
    harness scores it (the LSTM has no position limit) and leaves the tokenizer's guard as it was."""
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer("char", causal=True)
    tokenizer.model_max_length = 8
    model = DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=len(tokenizer))).eval()
    scores = sequence_log_likelihoods(model, ["ACGTACGTACGT", "ACG"], tokenizer, kind="causal")
    assert scores.n_predicted_tokens.tolist() == [13, 4]  # the bases and the end token
    assert np.isfinite(scores.nll_nats).all()
    assert tokenizer.model_max_length == 8
    with pytest.raises(ValueError, match="model_max_length"):
        tokenizer("ACGTACGTACGT")  # the guard still protects direct calls
