"""DNA encoder: reference implementations, attention backends, buffers after reload, heads, padding."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from huggingface_hub.errors import StrictDataclassClassValidationError

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import (
    DnaEncoderForMaskedLM,
    DnaEncoderForSequenceClassification,
    DnaEncoderForTokenClassification,
    DnaEncoderModel,
    alibi_slopes,
    apply_rotary_pos_emb,
)

POSITION_TYPES = ["sinusoidal", "alibi", "rope"]
VOCAB = 64


def tiny_config(position: str, **overrides) -> DnaEncoderConfig:
    settings = dict(position_embedding_type=position, vocab_size=VOCAB, num_attention_heads=4)
    return DnaEncoderConfig.from_preset("tiny", **{**settings, **overrides})


def batch(seed: int = 0, lengths=(12, 7, 3)) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded random ids (pad id 0) and their attention mask."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, VOCAB, (len(lengths), max(lengths)), generator=g)
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1
    return ids.masked_fill(mask == 0, 0), mask


def paper_alibi_slopes(n: int) -> list[float]:
    """Verbatim from Press et al.'s reference repository (ofirpress/attention_with_linear_biases)."""

    def get_slopes_power_of_2(n):
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        ratio = start
        return [start * ratio**i for i in range(n)]

    if math.log2(n).is_integer():
        return get_slopes_power_of_2(n)
    closest_power_of_2 = 2 ** math.floor(math.log2(n))
    return (
        get_slopes_power_of_2(closest_power_of_2)
        + paper_alibi_slopes(2 * closest_power_of_2)[0::2][: n - closest_power_of_2]
    )


def reference_encoder(model: DnaEncoderModel, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Hand-written forward pass from the papers' formulas, reading the same weights by name."""
    cfg = model.config
    w = dict(model.state_dict())
    d, n_heads = cfg.hidden_size, cfg.num_attention_heads
    hd = d // n_heads
    batch_size, length = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids]
    if cfg.position_embedding_type == "sinusoidal":
        pe = torch.zeros(length, d)
        for p in range(length):
            for i in range(0, d, 2):
                pe[p, i] = math.sin(p / 10000 ** (i / d))
                pe[p, i + 1] = math.cos(p / 10000 ** (i / d))
        x = x * math.sqrt(d) + pe
    eps = cfg.layer_norm_eps

    def ln(t, name):
        return F.layer_norm(t, (d,), w[name + ".weight"], w[name + ".bias"], eps)

    def lin(t, name):
        return t @ w[name + ".weight"].T + w[name + ".bias"]

    def rotate(t):  # pairs (i, i + hd/2) rotated by angle p * theta^(-2i/hd)
        theta = cfg.rope_parameters["rope_theta"] ** (-torch.arange(0, hd, 2).float() / hd)
        angle = torch.arange(length).float()[:, None] * theta[None, :]
        a, b = t[..., : hd // 2], t[..., hd // 2 :]
        return torch.cat([a * angle.cos() - b * angle.sin(), b * angle.cos() + a * angle.sin()], dim=-1)

    x = ln(x, "embeddings.norm")
    distance = (torch.arange(length)[:, None] - torch.arange(length)[None, :]).abs().float()
    slopes = torch.tensor(paper_alibi_slopes(n_heads))
    for i in range(cfg.num_hidden_layers):
        p = f"layers.{i}."
        q, k, v = lin(ln(x, p + "attn_norm"), p + "attention.qkv").split(d, dim=-1)
        q, k, v = (t.view(batch_size, length, n_heads, hd).transpose(1, 2) for t in (q, k, v))
        if cfg.position_embedding_type == "rope":
            q, k = rotate(q), rotate(k)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if cfg.position_embedding_type == "alibi":
            scores = scores - slopes[None, :, None, None] * distance
        scores = scores.masked_fill(mask[:, None, None, :] == 0, float("-inf"))
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch_size, length, d)
        x = x + lin(y, p + "attention.out_proj")
        x = x + lin(F.gelu(lin(ln(x, p + "mlp_norm"), p + "mlp.up_proj")), p + "mlp.down_proj")
    return ln(x, "final_norm")


@pytest.mark.parametrize("position", POSITION_TYPES)
@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_matches_hand_written_reference(position, attn):
    torch.manual_seed(0)
    model = DnaEncoderModel(tiny_config(position, attn_implementation=attn)).eval()
    ids, mask = batch()
    with torch.no_grad():
        ours = model(input_ids=ids, attention_mask=mask).last_hidden_state
        ref = reference_encoder(model, ids, mask)
    real = mask.bool()
    torch.testing.assert_close(ours[real], ref[real], atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("n_heads", [1, 2, 3, 4, 5, 6, 8, 12, 16, 20, 24])
def test_alibi_slopes_match_paper_and_bloom(n_heads):
    from transformers.models.bloom.modeling_bloom import build_alibi_tensor

    ours = alibi_slopes(n_heads)
    torch.testing.assert_close(ours, torch.tensor(paper_alibi_slopes(n_heads)), rtol=1e-6, atol=0)
    bloom = build_alibi_tensor(torch.ones(1, 3), n_heads, torch.float32)  # slope * position
    torch.testing.assert_close(ours, bloom[:, 0, 1], rtol=1e-6, atol=0)


def test_rope_matches_llama():
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb as llama_apply

    cfg = tiny_config("rope", rope_parameters={"rope_type": "default", "rope_theta": 5000.0})
    ours = DnaEncoderModel(cfg).rotary_emb
    llama_cfg = LlamaConfig(
        hidden_size=cfg.hidden_size,
        num_attention_heads=cfg.num_attention_heads,
        rope_parameters={"rope_type": "default", "rope_theta": 5000.0},
    )
    llama = LlamaRotaryEmbedding(llama_cfg)
    x = torch.randn(2, 4, 9, cfg.hidden_size // cfg.num_attention_heads)
    position_ids = torch.arange(9)[None]
    cos, sin = ours(x, position_ids)
    torch.testing.assert_close((cos, sin), llama(x, position_ids))
    q, k = torch.randn_like(x), torch.randn_like(x)
    torch.testing.assert_close(apply_rotary_pos_emb(q, k, cos, sin), llama_apply(q, k, cos, sin))


@pytest.mark.parametrize("position", POSITION_TYPES)
def test_sdpa_and_eager_agree(position):
    torch.manual_seed(1)
    model = DnaEncoderForMaskedLM(tiny_config(position, attn_implementation="eager")).eval()
    ids, mask = batch(1)
    with torch.no_grad():
        eager = model(input_ids=ids, attention_mask=mask).logits
        model.set_attn_implementation("sdpa")
        sdpa = model(input_ids=ids, attention_mask=mask).logits
    real = mask.bool()
    torch.testing.assert_close(sdpa[real], eager[real], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("position", POSITION_TYPES)
def test_padding_invariance(position):
    """A sequence's outputs do not change when it is batched with longer ones."""
    torch.manual_seed(2)
    cfg = tiny_config(position, classifier_pooling="mean", num_labels=3)
    model = DnaEncoderForSequenceClassification(cfg).eval()
    ids, mask = batch(2, lengths=(16, 5))
    short = ids[1:, :5]
    with torch.no_grad():
        alone = model.model(input_ids=short).last_hidden_state[0]
        batched = model.model(input_ids=ids, attention_mask=mask).last_hidden_state[1, :5]
        logits_alone = model(input_ids=short).logits[0]
        logits_batched = model(input_ids=ids, attention_mask=mask).logits[1]
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(logits_batched, logits_alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("position", POSITION_TYPES)
def test_buffers_and_outputs_survive_save_and_reload(position, tmp_path):
    from transformers import AutoModelForMaskedLM

    torch.manual_seed(3)
    model = DnaEncoderForMaskedLM(tiny_config(position)).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    assert not list(tmp_path.glob("*.bin"))
    loaded = AutoModelForMaskedLM.from_pretrained(tmp_path).eval()
    assert type(loaded) is DnaEncoderForMaskedLM
    buffers = dict(model.named_buffers())
    assert buffers, "each position type keeps a non-persistent buffer"
    for name, value in loaded.named_buffers():
        torch.testing.assert_close(value, buffers[name], rtol=0, atol=0)
    ids, mask = batch(3)
    with torch.no_grad():
        torch.testing.assert_close(loaded(ids, mask).logits, model(ids, mask).logits)
    assert loaded.lm_head.decoder.weight.data_ptr() == loaded.get_input_embeddings().weight.data_ptr()


def test_auto_classes_resolve(tmp_path):
    from transformers import (
        AutoConfig,
        AutoModel,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
    )

    DnaEncoderModel(tiny_config("rope")).save_pretrained(tmp_path)
    assert isinstance(AutoConfig.from_pretrained(tmp_path), DnaEncoderConfig)
    assert type(AutoModel.from_pretrained(tmp_path)) is DnaEncoderModel
    cls_model = AutoModelForSequenceClassification.from_pretrained(tmp_path, num_labels=2)
    assert type(cls_model) is DnaEncoderForSequenceClassification
    tok_model = AutoModelForTokenClassification.from_pretrained(tmp_path, num_labels=3)
    assert type(tok_model) is DnaEncoderForTokenClassification


def test_masked_lm_logits_only_at_masked_positions():
    torch.manual_seed(4)
    model = DnaEncoderForMaskedLM(tiny_config("rope")).eval()
    ids, mask = batch(4)
    labels = torch.full_like(ids, -100)
    labels[0, 2], labels[1, 4], labels[2, 0] = 7, 9, 11
    with torch.no_grad():
        sparse = model(input_ids=ids, attention_mask=mask, labels=labels)
        dense_logits = model(input_ids=ids, attention_mask=mask).logits
    assert sparse.logits.shape == (3, VOCAB)
    torch.testing.assert_close(sparse.logits, dense_logits[labels != -100])
    expected = F.cross_entropy(dense_logits.view(-1, VOCAB), labels.view(-1), ignore_index=-100)
    torch.testing.assert_close(sparse.loss, expected)
    model.config.sparse_prediction = False
    with torch.no_grad():
        dense = model(input_ids=ids, attention_mask=mask, labels=labels)
    assert dense.logits.shape == (*ids.shape, VOCAB)
    torch.testing.assert_close(dense.loss, expected)


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_sequence_classification_problem_types(pooling):
    torch.manual_seed(5)
    ids, mask = batch(5)
    cases = {
        "single_label_classification": (3, torch.tensor([0, 2, 1])),
        "multi_label_classification": (3, torch.tensor([[1.0, 0, 1], [0, 0, 1], [1, 1, 0]])),
        "regression": (1, torch.tensor([0.5, -1.0, 2.0])),
    }
    for problem_type, (num_labels, labels) in cases.items():
        model = DnaEncoderForSequenceClassification(
            tiny_config("alibi", num_labels=num_labels, classifier_pooling=pooling)
        ).eval()
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, labels=labels)
        assert model.config.problem_type == problem_type
        assert out.logits.shape == (3, num_labels)
        if problem_type == "single_label_classification":
            expected = F.cross_entropy(out.logits, labels)
        elif problem_type == "multi_label_classification":
            expected = F.binary_cross_entropy_with_logits(out.logits, labels)
        else:
            expected = F.mse_loss(out.logits.squeeze(-1), labels)
        torch.testing.assert_close(out.loss, expected)


def test_mean_pooling_ignores_padding():
    torch.manual_seed(6)
    model = DnaEncoderForSequenceClassification(tiny_config("rope", classifier_pooling="mean")).eval()
    ids, mask = batch(6)
    with torch.no_grad():
        hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
        expected = model.classifier(hidden[1, :7].mean(0, keepdim=True))
        torch.testing.assert_close(model(input_ids=ids, attention_mask=mask).logits[1:2], expected)


def test_token_classification():
    torch.manual_seed(7)
    model = DnaEncoderForTokenClassification(tiny_config("sinusoidal", num_labels=4)).eval()
    ids, mask = batch(7)
    labels = torch.randint(0, 4, ids.shape).masked_fill(mask == 0, -100)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    assert out.logits.shape == (*ids.shape, 4)
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits.view(-1, 4), labels.view(-1)))


def test_gradient_checkpointing_gives_same_gradients():
    torch.manual_seed(8)
    model = DnaEncoderForMaskedLM(tiny_config("rope"))
    ids, mask = batch(8)
    labels = ids.masked_fill(torch.rand(ids.shape) > 0.3, -100)

    def grads():
        model.zero_grad()
        model.train()
        model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    plain = grads()
    model.activation_checkpointing_enable()
    assert model.model.layers[0].gradient_checkpointing
    checkpointed = grads()
    assert plain.keys() == checkpointed.keys()
    for name in plain:
        torch.testing.assert_close(checkpointed[name], plain[name])


def test_outputs_hidden_states_and_attentions():
    model = DnaEncoderModel(tiny_config("alibi", attn_implementation="eager")).eval()
    ids, mask = batch(9)
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1
    assert out.attentions[0].shape == (3, 4, ids.shape[1], ids.shape[1])
    torch.testing.assert_close(out.attentions[0][1, :, :, 7:].sum(), torch.tensor(0.0))


@pytest.mark.parametrize("position", POSITION_TYPES)
def test_runs_past_max_position_embeddings(position):
    model = DnaEncoderModel(tiny_config(position, max_position_embeddings=16)).eval()
    ids = torch.randint(5, VOCAB, (1, 64))
    with torch.no_grad():
        out = model(input_ids=ids).last_hidden_state
    assert out.shape == (1, 64, 32) and torch.isfinite(out).all()


def test_token_type_embeddings_only_when_asked():
    assert DnaEncoderModel(tiny_config("rope")).embeddings.token_type_embeddings is None
    model = DnaEncoderModel(tiny_config("rope", type_vocab_size=2))
    assert model.embeddings.token_type_embeddings.num_embeddings == 2


def test_presets_and_paper_size():
    cfg = DnaEncoderConfig.from_preset("paper-L12", vocab_size=4101)
    assert (cfg.hidden_size, cfg.num_attention_heads, cfg.intermediate_size) == (768, 12, 3072)
    with torch.device("meta"):
        model = DnaEncoderModel(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    # BERT-base encoder stack (85.05M) + 4101 x 768 token embeddings, minus learned positions / pooler.
    assert abs(n_params - (12 * 7_087_872 + 4101 * 768 + 2 * 768 + 2 * 768)) < 10
    with pytest.raises(ValueError, match="unknown preset"):
        DnaEncoderConfig.from_preset("huge")
    with pytest.raises(StrictDataclassClassValidationError, match="multiple"):
        DnaEncoderConfig(hidden_size=100, num_attention_heads=3)


def test_pipelines_fill_mask_and_text_classification():
    from transformers import pipeline

    from hf_genomics.tokenization.kmer import KmerTokenizer

    tokenizer = KmerTokenizer(k=3)
    torch.manual_seed(10)
    mlm = DnaEncoderForMaskedLM(tiny_config("rope", vocab_size=len(tokenizer))).eval()
    predictions = pipeline("fill-mask", model=mlm, tokenizer=tokenizer)("ACGTAC[MASK]GGT", top_k=3)
    assert len(predictions) == 3 and all("[MASK]" not in p["sequence"] for p in predictions)
    classifier = DnaEncoderForSequenceClassification(
        tiny_config("alibi", vocab_size=len(tokenizer), num_labels=2)
    ).eval()
    (result,) = pipeline("text-classification", model=classifier, tokenizer=tokenizer)(["ACGTACGTAA"])
    assert result["label"] in {"LABEL_0", "LABEL_1"}
