#!/bin/sh
# The two neural models of the BRCA1 zero-shot table, as run (2 shared cores, niced, 1 thread).
# Inputs from make_training_fasta.py (the BRCA1 locus minus BRCA1 +- 50 kb, 5 kb records).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
nice -n 10 python scripts/run_clm.py --model_type gpt_neox --preset 14m --config_overrides num_hidden_layers=3 \
    --tokenizer char --train_file locus_minus_brca1_5kb.fa --validation_split_percentage 2 --max_eval_samples 4 \
    --max_length_nt 256 --per_device_train_batch_size 32 --learning_rate 3e-3 --warmup_steps 0.03 --max_steps 600 \
    --max_train_minutes 16 --lr_scheduler_type cosine --logging_steps 20 --save_strategy no --eval_strategy no \
    --use_cpu --output_dir runs/gpt-neox-char-locus --seed 0   # stopped by the time box at step 82
nice -n 10 python scripts/run_mlm.py --preset small --config_overrides num_hidden_layers=2,hidden_size=128,intermediate_size=512 \
    --tokenizer char --train_file locus_minus_brca1_5kb.fa --validation_split_percentage 2 --max_eval_samples 4 \
    --max_length_nt 128 --per_device_train_batch_size 16 --learning_rate 2e-3 --warmup_steps 0.03 --max_steps 90 \
    --lr_scheduler_type cosine --logging_steps 10 --save_strategy no --eval_strategy no --use_cpu \
    --output_dir runs/encoder-mlm-char-locus --seed 0
