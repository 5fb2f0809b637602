"""Reading the LongSafari ``hyenadna-*-seqlen-hf`` layout natively.

Those repositories share our ``model_type`` (``hyenadna``) and most field names, so after
``import hf_genomics`` the Auto classes hand them to :class:`HyenaDnaConfig` and our models. Their
``config.json`` is read as published (:func:`native_fields`: the original's ``auto_map``, remote
code that cannot read our fields, is dropped, and variants the -hf code cannot express are refused
in one line), and their weight names are renamed at load time through transformers' ``key_mapping``
(:func:`original_key_mapping`), so ``AutoModelForCausalLM.from_pretrained(<-hf folder>)`` gives the
original's logits.

The other original layout (``config.json`` with ``layer: {_name_: hyena}`` and a Lightning
``weights.ckpt``) has no transformers loader of its own: it is refused with a pointer to
``hf-genomics convert``.
"""

from __future__ import annotations

from typing import Any

CONVERT_HINT = "convert it with `hf-genomics convert SRC OUT`"


def is_hf_original(kwargs: dict[str, Any]) -> bool:
    """True for the keyword arguments of a LongSafari ``-hf`` config (its auto_map -> modeling_hyena)."""
    auto_map = kwargs.get("auto_map") or {}
    return any(
        str(target).startswith(("modeling_hyena.", "configuration_hyena.")) for target in auto_map.values()
    )


def native_fields(kwargs: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Our settings for an original config: pops the original's ``auto_map`` and its unused keys.

    ``fields`` are the values already read into our dataclass fields (the shared names).
    """
    if isinstance(kwargs.get("layer"), dict):
        raise ValueError(
            "this config.json is an original HyenaDNA release (layer: {_name_: hyena}, weights.ckpt), "
            f"which transformers cannot load; {CONVERT_HINT}"
        )
    if not is_hf_original(kwargs):
        return {}
    if int(fields["hyena_order"]) != 2:
        raise ValueError(
            f"the -hf HyenaDNA code only runs hyena_order=2, got {fields['hyena_order']}; {CONVERT_HINT}"
        )
    if int(fields["short_filter_order"]) != 3:
        raise ValueError(
            f"the -hf HyenaDNA code pads its short filter by 2 whatever its length (short_filter_order="
            f"{fields['short_filter_order']}): no faithful native equivalent; load it with trust_remote_code=True"
        )
    kwargs.pop("auto_map")
    for unused in ("use_bias", "hyena_filter_dropout"):  # always True / unused by the -hf code
        kwargs.pop(unused, None)
    # the -hf HyenaDNAForSequenceClassification: last non-pad token, score without bias; untied LM head
    return {"classifier_pooling": "last", "classifier_bias": False, "tie_word_embeddings": False}


def original_key_mapping(num_inner_mlps: int) -> dict[str, str]:
    """Regex renamings (applied in order, chained) from the -hf weight names to ours.

    ``hyena.backbone.*`` -> ``model.*``; ``embeddings.word_embeddings`` -> ``embeddings``; ``ln_f`` ->
    ``final_norm``; the implicit filter's ``Sequential`` (Linear, Sin, Linear, Sin, ..., Linear)
    indices -> ``mlp.k`` / ``out``, its one shared ``Sin.freq`` -> ``freq`` (the copies a ``.bin``
    stores under the other Sin indices are ignored), ``pos_emb.``/``modulation.`` levels go.
    """
    mapping = {
        r"^hyena\.backbone\.": "model.",
        r"embeddings\.word_embeddings\.weight": "embeddings.weight",
        r"\.ln_f\.": ".final_norm.",
        r"filter_fn\.implicit_filter\.1\.freq": "filter_fn.freq",
        r"filter_fn\.pos_emb\.": "filter_fn.",
        r"filter_fn\.modulation\.": "filter_fn.",
    }
    for index in range(num_inner_mlps + 1):
        mapping[rf"filter_fn\.implicit_filter\.{2 * index}\."] = f"filter_fn.mlp.{index}."
    mapping[rf"filter_fn\.implicit_filter\.{2 * num_inner_mlps + 2}\."] = "filter_fn.out."
    return mapping


IGNORED_ORIGINAL_KEYS = [r"filter_fn\.implicit_filter\.\d+\.freq$"]

__all__ = ["CONVERT_HINT", "IGNORED_ORIGINAL_KEYS", "is_hf_original", "native_fields", "original_key_mapping"]
