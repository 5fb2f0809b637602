"""peft LoRA on the documented target modules; merged adapters reproduce the unmerged outputs."""

from __future__ import annotations

import torch
from peft import LoraConfig, PeftModel, TaskType, get_peft_model

from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForSequenceClassification

TARGETS = ["qkv", "out_proj", "up_proj", "down_proj"]  # README: attention and MLP projections


def test_lora_trains_saves_and_merges(tmp_path):
    torch.manual_seed(0)
    cfg = DnaEncoderConfig.from_preset("tiny", vocab_size=64, num_attention_heads=4, num_labels=2)
    model = DnaEncoderForSequenceClassification(cfg)
    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules=TARGETS, init_lora_weights=False
    )
    peft_model = get_peft_model(model, lora)
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert any("lora_A" in n for n in trainable)
    assert any("classifier" in n for n in trainable)  # the head is trained and saved in full
    assert not any("word_embeddings" in n or "layers.0.attention.qkv.base_layer" in n for n in trainable)
    wrapped = {n.rsplit(".", 1)[-1] for n, _ in peft_model.named_modules() if n.endswith(tuple(TARGETS))}
    assert wrapped == set(TARGETS)

    ids = torch.randint(5, 64, (3, 10))
    mask = torch.ones_like(ids)
    mask[2, 4:] = 0
    labels = torch.tensor([0, 1, 1])
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-2)
    peft_model.train()
    for _ in range(2):
        optimizer.zero_grad()
        peft_model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        optimizer.step()

    peft_model.eval()
    with torch.no_grad():
        unmerged = peft_model(input_ids=ids, attention_mask=mask).logits
    peft_model.save_pretrained(tmp_path / "adapter")

    merged = peft_model.merge_and_unload()
    assert type(merged) is DnaEncoderForSequenceClassification
    with torch.no_grad():
        merged_logits = merged(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(merged_logits, unmerged, atol=1e-5, rtol=1e-5)

    torch.manual_seed(0)
    fresh = DnaEncoderForSequenceClassification(cfg)
    reloaded = PeftModel.from_pretrained(fresh, tmp_path / "adapter").eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids=ids, attention_mask=mask).logits, unmerged)
