#!/usr/bin/env python
"""Masked-LM pretraining of the DNA encoder (sinusoidal / ALiBi / RoPE) with Trainer.

    python scripts/run_mlm.py --train_file genes.fa --tokenizer kmer:6 --preset small \
        --position_embedding_type alibi --max_length_nt 1000 --output_dir runs/mlm --max_steps 1000

Runs unchanged under ``accelerate launch --multi_gpu --num_processes 2 scripts/run_mlm.py ...``;
all options: ``--help``. The logic lives in :mod:`hf_genomics.training.mlm`.
"""

from hf_genomics.training.mlm import main
from hf_genomics.user_errors import run_as_script

if __name__ == "__main__":
    run_as_script(main)  # a user error (bad option, missing/malformed file): one line, exit 2
