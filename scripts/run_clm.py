#!/usr/bin/env python
"""Causal-LM training of a DNA LSTM or GPT-NeoX decoder with Trainer.

    python scripts/run_clm.py --model_type lstm --preset genes-paper --tokenizer char \
        --train_file ../shared/data/human_genes/validation.csv --test_file ../shared/data/human_genes/test.csv \
        --selection_threshold 0.02 --eval_strategy epoch --output_dir runs/genes-lstm

    python scripts/run_clm.py --model_type gpt_neox --preset 14m --tokenizer dnallm \
        --train_file genomes.fa --max_length_nt 2048 --aux_losses walk:0.1 --output_dir runs/pythia-14m

Runs unchanged under ``accelerate launch --multi_gpu --num_processes 2 scripts/run_clm.py ...``;
all options: ``--help``. The logic lives in :mod:`hf_genomics.training.clm`.
"""

from hf_genomics.training.clm import main
from hf_genomics.user_errors import run_as_script

if __name__ == "__main__":
    run_as_script(main)  # a user error (bad option, missing/malformed file): one line, exit 2
