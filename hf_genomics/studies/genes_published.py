"""The human-genes study's published numbers (its repository at HEAD ccc8133) and how our models map
onto its rows: the reference column of every table of ``hf-genomics study genes``."""

from __future__ import annotations

import logging
import math

logger = logging.getLogger(__name__)


STUDY_SEEDS = (419432, 623598, 638453)  # the seeds of the study's syntheticMutationDataset files


MAX_MUTATIONS = (1, 5, 10)


# Published numbers of the study's repository at HEAD ccc8133 (deduplicated data, the same
# validation.csv/test.csv as ours). n-grams: NLTK definition (bases + one end symbol), trained on
# train+validation (18,308 genes); LSTM/Transformer: keras_nlp definition (bases only), trained on
# train (13,731 genes).
PUBLISHED_PERPLEXITY = {
    ("ngram-mle", 1): 3.995892,
    ("ngram-mle", 2): 3.921454,
    ("ngram-mle", 3): 3.898480,
    ("ngram-mle", 4): 3.883381,
    ("ngram-mle", 5): 3.872285,
    ("ngram-mle", 6): math.inf,
    ("ngram-laplace", 6): 3.861649,
    ("ngram-laplace", 7): 3.839023,
    ("ngram-laplace", 8): 3.826298,
    ("lstm", None): 3.2878,
    ("decoder", None): 3.6905,
}


PUBLISHED_DEFINITION = {"lstm": "keras", "decoder": "keras"}  # every other published row: "ngram"


# the study's model each of ours is compared with (our LSTMs with its RNN, our decoders with its Transformer)
STUDY_COUNTERPART = {
    "lstm": "lstm",
    "lstm-study": "lstm",
    "decoder": "decoder",
    "genes-transformer": "decoder",
}


# Real-vs-mutated accuracy, mean of its 3 seeds, MAX = 1/5/10, on its pairs (mutation_pairs/).
PUBLISHED_MUTATION = {
    "perplexity": {
        "ngram-laplace-8": (0.650, 0.740, 0.787),
        "lstm": (0.731, 0.805, 0.846),
        "decoder": (0.652, 0.700, 0.755),
    },
    "probability": {
        "ngram-laplace-8": (0.606, 0.684, 0.719),
        "lstm": (0.676, 0.745, 0.783),
        "decoder": (0.630, 0.666, 0.696),
    },
}


def published_perplexity(model: str, n: int | None) -> float | None:
    return PUBLISHED_PERPLEXITY.get((STUDY_COUNTERPART.get(model, model), n))


def published_mutation(model: str, mode: str) -> tuple[float, ...] | None:
    return PUBLISHED_MUTATION[mode].get(STUDY_COUNTERPART.get(model, model))
