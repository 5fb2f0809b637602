"""A tiny GENERator checkpoint in the original Hub layout, built in a test's tmp folder.

GenerTeam's folders (``GenerTeam/GENERator-eukaryote-1.2b-base`` and siblings) hold ``config.json``
(``model_type: llama``; the current revisions add ``architectures: [GENERatorForCausalLM]`` and an
``auto_map`` into ``modeling_generator.py``), ``model.safetensors`` (Llama tensor names),
``tokenizer.py`` (remote code), ``vocab.txt``, ``tokenizer_config.json`` and
``special_tokens_map.json``. The published config's fields are copied below with the sizes shrunk.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

# GenerTeam/GENERator-eukaryote-1.2b-base config.json (revision 5e872c9), sizes shrunk for tests
PUBLISHED_CONFIG = {
    "architectures": ["GENERatorForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "auto_map": {"AutoModelForCausalLM": "modeling_generator.GENERatorForCausalLM"},
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "initializer_range": 0.02,
    "intermediate_size": 5632,
    "max_position_embeddings": 16384,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 26,
    "num_key_value_heads": 4,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": "4.44.0",
    "use_cache": True,
    "vocab_size": 4128,
}
TINY = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "max_position_embeddings": 64,
}
# the Hub tokenizer_config.json's fields (GENERator-eukaryote-1.2b-base / -3b-base)
PUBLISHED_TOKENIZER_CONFIG = {
    "add_bos_token": True,
    "add_eos_token": False,
    "added_tokens_decoder": {
        str(index): {
            "content": token,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for index, token in enumerate(["<oov>", "<s>", "</s>", "<pad>", "<mask>"])
    },
    "auto_map": {"AutoTokenizer": ["tokenizer.DNAKmerTokenizer", None]},
    "bos_token": "<s>",
    "clean_up_tokenization_spaces": False,
    "eos_token": "</s>",
    "extra_special_tokens": {},
    "k": 6,
    "mask_token": "<mask>",
    "model_max_length": 1000000000000000019884624838656,
    "pad_token": "<pad>",
    "tokenizer_class": "DNAKmerTokenizer",
    "unk_token": "<oov>",
}
SPECIAL_TOKENS_MAP = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "mask_token": "<mask>",
    "pad_token": "<pad>",
    "unk_token": "<oov>",
}
# stands in for the Hub tokenizer.py: our loaders must never import it
REMOTE_CODE_TRAP = 'raise RuntimeError("the folder\'s remote tokenizer code was executed")\n'


def write_original_generator_folder(folder: Path, seed: int = 0, auto_map: bool = True, **sizes) -> Path:
    """A random tiny Llama with GENERator's vocabulary, written as GenerTeam's folders are."""
    from safetensors.torch import save_file
    from transformers import LlamaConfig, LlamaForCausalLM

    from hf_genomics.tokenization.generator import vocab_file_text

    folder.mkdir(parents=True, exist_ok=True)
    config = {**PUBLISHED_CONFIG, **TINY, **sizes}
    if not auto_map:  # the first releases: a plain Llama config
        config.pop("auto_map")
        config["architectures"] = ["LlamaForCausalLM"]
    torch.manual_seed(seed)
    fields = {key: value for key, value in config.items() if key not in ("architectures", "auto_map")}
    model = LlamaForCausalLM(LlamaConfig(**fields)).eval()
    save_file(
        {name: tensor.contiguous() for name, tensor in model.state_dict().items()},
        folder / "model.safetensors",
    )
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps(PUBLISHED_TOKENIZER_CONFIG, indent=2))
    (folder / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS_MAP, indent=2) + "\n")
    (folder / "vocab.txt").write_text(vocab_file_text())
    (folder / "tokenizer.py").write_text(REMOTE_CODE_TRAP)
    return folder
