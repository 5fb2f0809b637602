"""A fresh (untrained) DnaCnn folder shaped like gue-recipe's CNN, for `benchmark gue`: ``python make_cnn.py cnn_fresh``."""

import sys

from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.classification import ClassificationArguments, build_model

out = sys.argv[1]
tok = build_tokenizer("char")
args = ClassificationArguments(
    task_dir="unused",
    tokenizer_name="char",
    architecture="cnn",
    preset="small",
    hidden_size=64,
    num_hidden_layers=4,
    cnn_kmer_sizes=[3, 4, 5, 6],
    cnn_position_bins=4,
    seeds=[1],
)
model = build_model(args, tok, 2, 512)
model.save_pretrained(out)
tok.save_pretrained(out)
print(type(model).__name__, sum(p.numel() for p in model.parameters()))
