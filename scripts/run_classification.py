"""Fine-tune (or train from scratch) a DNA model for sequence classification or regression,
transformers-examples style.

A GUE task::

    python scripts/run_classification.py --task_dir prom_core_tata --tokenizer_name bpe:4096 \
        --position_embedding_type rope --preset paper-L6 --seeds 1 2 3 --output_dir runs/prom_core_tata

Your own data (CSV/TSV/Parquet/save_to_disk; binary, multi-class, multi-label or regression, inferred
from the labels or set with ``--problem_type``)::

    python scripts/run_classification.py --train_file my.csv --validation_file my_dev.csv \
        --test_file my_test.csv --sequence_column sequence --label_column label \
        --model_name_or_path <any saved model folder, ours or e.g. a BERT/ESM one> --output_dir runs/mine

All ``TrainingArguments`` flags work too (defaults are the study's: AdamW lr 1e-4, weight decay
0.01, 10% warm-up then cosine, best checkpoint by validation MCC — MSE for regression). The device
is Trainer's choice (GPU when there is one). Scale out with ``accelerate launch
scripts/run_classification.py ...``; all options: ``--help``. The logic lives in
:mod:`hf_genomics.training.classification`.
"""

from hf_genomics.training.classification import main
from hf_genomics.user_errors import run_as_script

if __name__ == "__main__":
    run_as_script(main)  # a user error (bad option, missing/malformed file): one line, exit 2
