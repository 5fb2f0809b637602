"""DnaCnn (dilated residual CNN): shapes against a hand-written reference, padding invariance,
reverse-complement weight sharing, Auto round trip (safetensors), remote code, Trainer/pipeline."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoConfig, AutoModelForSequenceClassification, pipeline

import hf_genomics  # noqa: F401  (Auto registration)
from hf_genomics.alphabet import reverse_complement
from hf_genomics.models.cnn.configuration_dna_cnn import DnaCnnConfig
from hf_genomics.models.cnn.modeling_dna_cnn import (
    AUTO_MAP,
    DnaCnnForSequenceClassification,
    DnaCnnModel,
    binned_pool,
    masked_pool,
    reverse_complement_ids,
)
from hf_genomics.tokenization.reverse_complement import reverse_complement_token_map
from hf_genomics.tokenization.spec import build_tokenizer
from tests.remote_code_child import run_without_hf_genomics


@pytest.fixture(scope="module")
def char():
    return build_tokenizer("char")


def tiny(tokenizer, **overrides) -> DnaCnnConfig:
    return DnaCnnConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        num_labels=2,
        rc_token_map=reverse_complement_token_map(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        **overrides,
    )


def test_presets_validation_and_receptive_field():
    small = DnaCnnConfig.from_preset("small")
    assert (small.hidden_size, small.num_hidden_layers, small.model_type) == (128, 5, "dna_cnn")
    assert small.receptive_field == 15 + 2 * (1 + 2 + 4 + 8 + 16)
    with pytest.raises(ValueError, match="unknown DnaCnn preset"):
        DnaCnnConfig.from_preset("huge")
    with pytest.raises(Exception, match="needs rc_token_map"):
        DnaCnnConfig(reverse_complement_sharing=True)
    with pytest.raises(Exception, match="odd"):
        DnaCnnConfig(kernel_size=4)


def test_forward_matches_a_hand_written_reference(char):
    """Embedding, stem, pre-activation dilated blocks, final norm, masked mean+max, head - recomputed
    with torch.nn.functional from the saved weights (eval mode, padding in the second row)."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = DnaCnnForSequenceClassification(tiny(char, hidden_dropout_prob=0.0)).eval()
    for module in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    batch = char(["ACGTTGCAAG", "TTAC"], padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits
        sd = {k: v for k, v in model.state_dict().items()}
        expected = []
        for ids, mask in zip(batch["input_ids"], batch["attention_mask"]):
            n = int(mask.sum())
            x = sd["model.embeddings.weight"][ids[:n]].T[None]  # (1, E, n): padding cut off
            x = F.conv1d(x, sd["model.stem.weight"], sd["model.stem.bias"], padding=2)
            for i in range(2):
                p = f"model.blocks.{i}."
                h = F.batch_norm(x, sd[p + "norm.running_mean"], sd[p + "norm.running_var"],
                                 sd[p + "norm.weight"], sd[p + "norm.bias"], eps=1e-5)  # fmt: skip
                h = F.conv1d(
                    F.gelu(h), sd[p + "conv.weight"], sd[p + "conv.bias"], dilation=2**i, padding=2**i
                )
                x = x + h
            x = F.gelu(F.batch_norm(x, sd["model.final_norm.running_mean"], sd["model.final_norm.running_var"],
                                    sd["model.final_norm.weight"], sd["model.final_norm.bias"], eps=1e-5))  # fmt: skip
            pooled = torch.cat([x.mean(-1), x.amax(-1)], dim=-1)
            hidden = F.gelu(F.linear(pooled, sd["head.1.weight"], sd["head.1.bias"]))
            expected.append(F.linear(hidden, sd["classifier.weight"], sd["classifier.bias"])[0])
    assert torch.allclose(logits, torch.stack(expected), atol=1e-5)


def test_padding_does_not_change_predictions(char):
    torch.manual_seed(1)
    model = DnaCnnForSequenceClassification(tiny(char)).eval()
    alone = char(["GATTACA"], return_tensors="pt")
    padded = char(["GATTACA", "ACGTACGTACGTACGT"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(model(**alone).logits[0], model(**padded).logits[0], atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text("ACGTN", min_size=1, max_size=30), min_size=1, max_size=4))
def test_reverse_strand_in_token_space_is_the_tokenized_reverse_complement(sequences):
    for spec in ("char", "kmer:3:1"):
        tokenizer = build_tokenizer(spec)
        if spec != "char":
            sequences = [s + "ACG" for s in sequences]  # at least one 3-mer each
        forward = tokenizer(sequences, padding=True, return_tensors="pt")
        reverse = tokenizer([reverse_complement(s) for s in sequences], padding=True, return_tensors="pt")
        table = torch.tensor(reverse_complement_token_map(tokenizer))
        built = reverse_complement_ids(forward["input_ids"], forward["attention_mask"], table)
        assert torch.equal(built, reverse["input_ids"])


def test_reverse_complement_sharing_makes_predictions_strand_invariant(char):
    torch.manual_seed(2)
    shared = DnaCnnForSequenceClassification(tiny(char, reverse_complement_sharing=True)).eval()
    plain = DnaCnnForSequenceClassification(tiny(char)).eval()
    sequences = ["ACGTTGCAAGGTCA", "TTTACG"]
    forward = char(sequences, padding=True, return_tensors="pt")
    reverse = char([reverse_complement(s) for s in sequences], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(shared(**forward).logits, shared(**reverse).logits, atol=1e-5)
        assert not torch.allclose(plain(**forward).logits, plain(**reverse).logits, atol=1e-3)
    # same weights, no extra parameters
    assert sum(p.numel() for p in shared.parameters()) == sum(p.numel() for p in plain.parameters())


def test_auto_round_trip_and_base_model(char, tmp_path):
    torch.manual_seed(3)
    model = DnaCnnForSequenceClassification(tiny(char, reverse_complement_sharing=True)).eval()
    model.save_pretrained(tmp_path)
    char.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and not (tmp_path / "pytorch_model.bin").exists()
    assert json.loads((tmp_path / "config.json").read_text())["auto_map"] == AUTO_MAP
    assert AutoConfig.from_pretrained(tmp_path).model_type == "dna_cnn"
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, DnaCnnForSequenceClassification)
    batch = char(["ACGTNACGTTT", "GGA"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(loaded(**batch).logits, model(**batch).logits)
        base = DnaCnnModel.from_pretrained(tmp_path).eval()(**batch)
    assert base.last_hidden_state.shape == (2, batch["input_ids"].shape[1], 16)
    assert base.pooler_output.shape == (2, 32)
    classifier = pipeline("text-classification", model=loaded, tokenizer=char)
    assert {row["label"] for row in classifier(["ACGTACGT", "TTTT"])} <= {"LABEL_0", "LABEL_1"}


def test_loss_and_a_few_training_steps_learn_a_motif(char):
    """A planted motif is learnt in a few dozen steps (the loss is transformers' cross-entropy)."""
    from hf_genomics.data.toy import planted_motif_sequences

    torch.manual_seed(4)
    model = DnaCnnForSequenceClassification(tiny(char))
    sequences, labels = planted_motif_sequences(128, length=40, seed=0)
    batch = char(list(sequences), padding=True, return_tensors="pt")
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    out = model(**batch, labels=y)
    assert torch.allclose(out.loss, torch.nn.functional.cross_entropy(out.logits, y))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        loss = model(**batch, labels=y).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        accuracy = (model(**batch).logits.argmax(-1) == y).float().mean()
    assert accuracy > 0.9


def test_kmer_bag_is_the_sum_of_kmer_embeddings_over_valid_windows(char):
    """Against a plain Python count of every k-mer window (windows with N or past the end skipped)."""
    from hf_genomics.tokenization.reverse_complement import base_token_codes

    torch.manual_seed(6)
    config = tiny(char, kmer_sizes=[2, 3], kmer_embedding_size=4, base_token_codes=base_token_codes(char))
    model = DnaCnnModel(config).eval()
    sequences = ["ACGTNACGGT", "TTA", "A"]
    batch = char(sequences, padding=True, return_tensors="pt")
    with torch.no_grad():
        bag = model.kmer_bag(batch["input_ids"], batch["attention_mask"])
    for row, sequence in enumerate(sequences):
        expected = []
        for k, table in zip((2, 3), model.kmer_bag.tables):
            total = torch.zeros(4)
            for start in range(len(sequence) - k + 1):
                window = sequence[start : start + k]
                if "N" not in window:
                    total += table.weight[int("".join(str("ACGT".index(b)) for b in window), 4)]
            expected.append(total)
        assert torch.allclose(bag[row], torch.cat(expected), atol=1e-6)
    assert model.pool(torch.zeros(3, 16, batch["input_ids"].shape[1]), batch["input_ids"], batch["attention_mask"],
                      batch["attention_mask"][:, None].float()).shape == (3, config.pooled_size)  # fmt: skip


def test_folder_loads_as_remote_code_without_hf_genomics(char, tmp_path):
    torch.manual_seed(5)
    model = DnaCnnForSequenceClassification(tiny(char, reverse_complement_sharing=True)).eval()
    model.save_pretrained(tmp_path / "cnn")
    assert (tmp_path / "cnn" / "modeling_dna_cnn.py").exists()
    batch = char(["ACGTTGCA", "GGAT"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model(**batch).logits
    from safetensors.torch import save_file

    save_file(
        {"ids": batch["input_ids"], "mask": batch["attention_mask"], "logits": expected},
        tmp_path / "tensors.safetensors",
    )
    child = """
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification
folder, tensors = sys.argv[1:3]
t = load_file(tensors)
model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    logits = model(input_ids=t["ids"], attention_mask=t["mask"]).logits
print(json.dumps({"module": type(model).__module__, "diff": float((logits - t["logits"]).abs().max()),
                  "hf_genomics_loaded": any(m.startswith("hf_genomics") for m in sys.modules)}))
"""
    report = run_without_hf_genomics(
        child, [tmp_path / "cnn", tmp_path / "tensors.safetensors"], tmp_path, timeout=120
    )
    assert not report["hf_genomics_loaded"]
    assert report["module"].startswith("transformers_modules")
    assert report["diff"] < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(1, 14),
    bins=st.integers(1, 6),
    pooling=st.sampled_from(["mean_max", "mean", "max"]),
    seed=st.integers(0, 2**16),
)
def test_unpadded_pooling_equals_the_masked_pooling(length, bins, pooling, seed):
    """Without padding the pools are plain slices; they equal the masked pools with a mask of ones,
    stretches shorter than one position (length < bins) pooling to 0 in both."""
    hidden = torch.randn(3, 4, length, generator=torch.Generator().manual_seed(seed))
    ones = torch.ones(3, 1, length)
    torch.testing.assert_close(masked_pool(hidden, None, pooling), masked_pool(hidden, ones, pooling))
    torch.testing.assert_close(
        binned_pool(hidden, None, pooling, bins), binned_pool(hidden, ones, pooling, bins)
    )


@pytest.mark.parametrize("pooling", ["mean_max", "mean", "max"])
@pytest.mark.parametrize("rows", [["ACGTTGCAAGTTA", "TTACG"], ["ACGTTGCAAGTTA", "TTACGGATCCAGT"]])
def test_position_bins_pool_each_stretch_of_the_real_length(char, pooling, rows):
    """``position_bins``: the pooled features are the whole row's pooling followed by each stretch's,
    stretches being ``numpy.array_split``-like cuts of the row's *real* positions (recomputed per row
    with numpy, padding cut off first); padding leaves a row's prediction unchanged. Rows of one
    length (no padding) take the sliced path, checked against the same reference."""
    torch.manual_seed(2)
    model = DnaCnnModel(tiny(char, position_bins=3, pooling=pooling)).eval()
    batch = char(rows, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch)
    assert (
        out.pooler_output.shape[-1]
        == model.config.pooled_size
        == 16 * (2 if pooling == "mean_max" else 1) * 4
    )
    for row, mask in enumerate(batch["attention_mask"]):
        n = int(mask.sum())
        x = out.last_hidden_state[row, :n].numpy()  # (n, channels)
        stretch = np.arange(n) * 3 // n
        parts = [x] + [x[stretch == b] for b in range(3)]

        def pool(part):
            pieces = []
            if pooling in ("mean", "mean_max"):
                pieces.append(part.mean(0))
            if pooling in ("max", "mean_max"):
                pieces.append(part.max(0))
            return np.concatenate(pieces)

        expected = np.concatenate([pool(part) for part in parts])
        np.testing.assert_allclose(out.pooler_output[row].numpy(), expected, rtol=1e-5, atol=1e-6)
    classifier = DnaCnnForSequenceClassification(tiny(char, position_bins=4)).eval()
    alone = char(["GATTACA"], return_tensors="pt")
    padded = char(["GATTACA", "ACGTACGTACGTACGT"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(classifier(**alone).logits[0], classifier(**padded).logits[0], atol=1e-5)
    with pytest.raises(Exception, match="position_bins"):
        DnaCnnConfig(position_bins=0)


def test_channel_dropout_zeroes_whole_channels_of_a_row(char):
    """``block_dropout="channel"``: in training, each (row, channel) of a block's residual branch is
    kept (scaled by 1/(1-p)) or zeroed at every position; eval mode is unchanged by the choice."""
    with pytest.raises(Exception, match="block_dropout"):
        tiny(char, block_dropout="positions")
    torch.manual_seed(0)
    config = tiny(char, block_dropout="channel", hidden_dropout_prob=0.5)
    model = DnaCnnForSequenceClassification(config)
    block = model.model.blocks[0]
    assert isinstance(block.dropout, torch.nn.Dropout1d)
    block.train()
    out = block.dropout(torch.ones(8, config.hidden_size, 20))
    per_channel = out.amax(-1)
    assert torch.equal(out, per_channel[..., None].expand_as(out))  # one draw per row and channel
    assert set(per_channel.unique().tolist()) == {0.0, 2.0}
    element = DnaCnnForSequenceClassification(tiny(char))
    element.load_state_dict(model.state_dict())
    ids = char(["GATTACA", "ACGTACGTACGTACGT"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(model.eval()(**ids).logits, element.eval()(**ids).logits)
