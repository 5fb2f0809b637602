"""Fine-tune (or train from scratch) a DNA encoder on a GUE task, transformers-examples style.

    python scripts/run_classification.py --task_dir prom_core_tata --tokenizer bpe:4096 \
        --position_embedding_type rope --preset paper-L6 --seeds 1 2 3 --output_dir runs/prom_core_tata

All ``TrainingArguments`` flags work too (defaults are the study's: AdamW lr 1e-4, weight decay
0.01, 10% warm-up then cosine, best checkpoint by validation MCC). Scale out with
``accelerate launch scripts/run_classification.py ...``. Library code:
:mod:`hf_genomics.training.classification`.
"""

from __future__ import annotations

import sys

import torch
from transformers import HfArgumentParser

from hf_genomics.training.classification import (
    ClassificationArguments,
    StudyTrainingArguments,
    run_classification,
)


def main(argv: list[str] | None = None) -> int:
    parser = HfArgumentParser((ClassificationArguments, StudyTrainingArguments))
    args, training_args = parser.parse_args_into_dataclasses(args=argv)
    if not torch.cuda.is_available():
        training_args.use_cpu = True
    results = run_classification(args, training_args)
    print(
        f"{results['task']} {results['tokenizer']} {results['position_embedding_type']}: "
        f"test MCC {results['test_mcc']:.4f} ± {results['test_mcc_sd']:.4f} over {len(results['seeds'])} seed(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
