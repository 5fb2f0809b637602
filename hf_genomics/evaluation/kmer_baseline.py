"""The honest baseline beside every GUE table: bag of 3–6-mer counts + logistic regression.

On small GUE training sets a linear model of k-mer frequencies often beats a transformer trained
from scratch, so our tables print it next to every cell. Counting is vectorised numpy (no Python
loop over characters); the regularisation strength is chosen on the dev split by MCC, never on test.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hf_genomics.alphabet import normalize
from hf_genomics.evaluation.metrics import compute_classification_metrics
from hf_genomics.tokenization.kmer_arrays import concatenated_codes

logger = logging.getLogger(__name__)

DEFAULT_KS = (3, 4, 5, 6)
DEFAULT_CS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CHUNK_BASES = 2_000_000  # bases counted at once by kmer_frequency_matrix (memory, not results)
MAX_K = 8  # 4^8 = 65,536 columns per k; k = 13 would be 67 M (minutes and gigabytes for nothing)
BASELINE_SHARE = 0.2  # a time-boxed caller tries no further C of the grid past this share of its budget


def baseline_deadline(started: float, budget_minutes: float) -> float:
    """The ``deadline`` (``time.monotonic()``) for :func:`fit_kmer_baseline` of a caller with a
    ``budget_minutes`` time budget (``gue-recipe``, ``benchmark gue``): :data:`BASELINE_SHARE` of it
    after ``started``."""
    return started + 60 * budget_minutes * BASELINE_SHARE


def check_ks(ks: Sequence[int]) -> tuple[int, ...]:
    """``ks`` as a tuple of distinct k-mer sizes (order kept: it orders the columns), each
    1..:data:`MAX_K`; else ValueError."""
    ks = tuple(ks)
    if not ks:
        raise ValueError("no k-mer size given: --ks needs at least one of 1..8, e.g. 3,4,5,6")
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
            raise ValueError(
                f"k-mer size {k!r} out of range: each k must be 1..{MAX_K} "
                f"(a k-mer size has 4^k features; 4^{MAX_K} = {4**MAX_K:,})"
            )
    if len(set(ks)) != len(ks):
        raise ValueError(f"k-mer sizes repeat: {list(ks)}")
    return tuple(int(k) for k in ks)


def parse_ks(text: str) -> tuple[int, ...]:
    """``"3,4,5,6"`` -> ``(3, 4, 5, 6)`` (the ``--ks`` option), checked by :func:`check_ks`."""
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"--ks {text!r}: expected comma-separated integers 1..{MAX_K}, e.g. 3,4,5,6"
        ) from None
    return check_ks(ks)


def kmer_frequency_matrix(
    sequences: Sequence[str], ks: Sequence[int] = DEFAULT_KS, chunk_bases: int = CHUNK_BASES
):
    """Sparse ``(n, sum 4^k)`` matrix of k-mer frequencies (counts / windows, per k).

    Windows containing ``N`` (or crossing into the next sequence) are not counted. Sequences are
    normalised by the package policy first (case, ``U``, IUPAC codes → ``N``). Rows are counted in
    chunks of about ``chunk_bases`` bases and stacked, so the working memory is the result's plus one
    chunk's (10,000 × 1 kb rows peaked at 3.5 GB in one pass, 1.3 GB chunked: GUE Covid's 77,669
    training rows did not fit a 23 GB machine in one pass); every row lies in one chunk, so the
    matrix is the same for any chunk size.
    """
    from scipy.sparse import csr_matrix, vstack

    ks = check_ks(ks)
    sequences = [normalize(seq) for seq in sequences]
    width = sum(4**k for k in ks)
    if not sequences:
        return csr_matrix((0, width))
    lengths = np.fromiter((len(seq) for seq in sequences), dtype=np.int64, count=len(sequences))
    chunk_of_row = (np.cumsum(lengths) - 1) // max(int(chunk_bases), 1)  # by the row's last base
    bounds = [0, *(np.flatnonzero(np.diff(chunk_of_row)) + 1).tolist(), len(sequences)]
    blocks = [_frequency_block(sequences[a:b], ks, width) for a, b in zip(bounds[:-1], bounds[1:])]
    return blocks[0] if len(blocks) == 1 else vstack(blocks, format="csr")


def _frequency_block(sequences: Sequence[str], ks: tuple[int, ...], width: int):
    """:func:`kmer_frequency_matrix` of normalised ``sequences`` in one go (vectorised per k)."""
    from scipy.sparse import csr_matrix

    codes, lengths = concatenated_codes(sequences)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sequence_of = np.repeat(np.arange(len(sequences)), lengths)
    blocks, offset = [], 0
    for k in ks:
        if codes.size < k:
            offset += 4**k
            continue
        windows = np.lib.stride_tricks.sliding_window_view(codes, k)
        valid = (windows < 4).all(axis=1)
        first = sequence_of[: windows.shape[0]]
        valid &= np.arange(windows.shape[0]) + k <= starts[first] + lengths[first]
        index = windows[valid].astype(np.int64) @ (4 ** np.arange(k - 1, -1, -1, dtype=np.int64))
        rows = first[valid]
        totals = np.bincount(rows, minlength=len(sequences)).astype(np.float64)
        weights = 1.0 / np.maximum(totals[rows], 1.0)
        blocks.append((rows, index + offset, weights))
        offset += 4**k
    rows = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, np.int64)
    cols = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0, np.int64)
    values = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0)
    return csr_matrix((values, (rows, cols)), shape=(len(sequences), width))


@dataclass
class KmerBaselineResult:
    """Dev-selected logistic regression on k-mer frequencies and its test metrics."""

    ks: tuple[int, ...]
    chosen_c: float
    dev_mcc_by_c: dict[float, float]
    validation: dict[str, float]
    test: dict[str, float]
    seconds: float
    untried_cs: tuple[float, ...] = ()  # the grid's C values a passed deadline left out (in order)
    model: object = field(default=None, repr=False)
    scaler: object = field(default=None, repr=False)  # MaxAbsScaler the model's features went through

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        """Class probabilities ``(n, num_classes)`` of the chosen model on new sequences."""
        return self.model.predict_proba(self.scaler.transform(kmer_frequency_matrix(sequences, self.ks)))

    def to_dict(self) -> dict:
        return {
            "model": f"bag of {min(self.ks)}-{max(self.ks)}-mers + logistic regression",
            "ks": list(self.ks),
            "chosen_C": self.chosen_c,
            "dev_mcc_by_C": {str(c): v for c, v in self.dev_mcc_by_c.items()},
            "untried_C": list(self.untried_cs),  # empty unless a deadline cut the grid
            "validation": self.validation,
            "test": self.test,
            "test_mcc": self.test["mcc"],
            "seconds": self.seconds,
        }


def fit_kmer_baseline(
    train: tuple[Sequence[str], Sequence[int]],
    validation: tuple[Sequence[str], Sequence[int]],
    test: tuple[Sequence[str], Sequence[int]] | None = None,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    cs: Sequence[float] = DEFAULT_CS,
    seed: int = 0,
    source: str = "k-mer baseline data",
    deadline: float | None = None,
) -> KmerBaselineResult:
    """Fit one logistic regression per ``C``, keep the best by validation MCC, report its test metrics.

    Labels must be ``0..C-1`` with every class in ``train`` (:func:`check_label_set`).
    ``deadline`` (``time.monotonic()``, e.g. :func:`baseline_deadline`): no further ``C`` is tried
    once it has passed (at least one always is; the result's ``untried_cs`` lists the rest), so a
    time-boxed caller stays in its budget on large tasks (Covid: 77k rows of 1 kb); the grid runs
    from the strongest regularisation, the quickest fit, upward."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import MaxAbsScaler

    from hf_genomics.data.label_set import check_label_set

    ks = check_ks(ks)
    labels = {
        "train": train[1],
        "validation": validation[1],
        **({"test": test[1]} if test is not None else {}),
    }
    num_classes = check_label_set(labels, source)
    started = time.perf_counter()
    scaler = MaxAbsScaler()
    x_train = scaler.fit_transform(kmer_frequency_matrix(train[0], ks))
    x_dev = scaler.transform(kmer_frequency_matrix(validation[0], ks))
    y_train, y_dev = np.asarray(train[1]), np.asarray(validation[1])
    best, dev_mcc, untried = None, {}, ()
    for index, c in enumerate(cs):
        if best is not None and deadline is not None and time.monotonic() > deadline:
            untried = tuple(float(c) for c in list(cs)[index:])
            logger.warning(
                "k-mer baseline: time is up after C in %s; C in %s not tried", list(dev_mcc), list(untried)
            )
            break
        model = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(x_train, y_train)
        metrics = compute_classification_metrics(model.predict(x_dev), y_dev, num_classes)
        dev_mcc[float(c)] = metrics["mcc"]
        logger.info("k-mer baseline C=%g: validation MCC %.4f", c, metrics["mcc"])
        if best is None or metrics["mcc"] > best[1]["mcc"]:
            best = (c, metrics, model)
    chosen_c, dev_metrics, model = best
    test_metrics: dict[str, float] = {}
    if test is not None:
        x_test = scaler.transform(kmer_frequency_matrix(test[0], ks))
        test_metrics = compute_classification_metrics(model.predict(x_test), np.asarray(test[1]), num_classes)
    return KmerBaselineResult(
        ks=tuple(ks),
        chosen_c=float(chosen_c),
        dev_mcc_by_c=dev_mcc,
        validation=dev_metrics,
        test=test_metrics,
        seconds=time.perf_counter() - started,
        untried_cs=untried,
        model=model,
        scaler=scaler,
    )


def kmer_baseline_on_gue(task, root=None, **kwargs) -> KmerBaselineResult:
    """:func:`fit_kmer_baseline` on a GUE task folder (``train``/``dev``/``test`` CSVs)."""
    from hf_genomics.data.gue import find_task_dir, load_gue

    data = load_gue(task, root)
    column = next(name for name in data["train"].column_names if name != "label")
    splits = {name: (data[name][column], data[name]["label"]) for name in ("train", "validation", "test")}
    kwargs.setdefault("source", str(find_task_dir(task, root)))
    return fit_kmer_baseline(splits["train"], splits["validation"], splits["test"], **kwargs)


# ---- `hf-genomics baseline TASK_DIR` ----


def add_arguments(parser) -> None:
    parser.add_argument("task", help="GUE task folder (train.csv/dev.csv/test.csv) or a task name like tf/0")
    parser.add_argument("--root", default=None, help="GUE root for task names (default: shared data)")
    parser.add_argument("--ks", default="3,4,5,6", help="k-mer sizes, comma-separated")
    parser.add_argument("--output", default=None, help="write results as JSON here")
    parser.add_argument("--seed", type=int, default=0, help="random state of the logistic regression")


def run(args) -> int:
    from pathlib import Path

    from hf_genomics.evaluation.report import write_json_atomic

    ks = parse_ks(args.ks)  # bad options fail before any work
    if args.output and Path(args.output).is_dir():
        raise IsADirectoryError(f"--output {args.output} is a folder: give a JSON file name")
    result = kmer_baseline_on_gue(args.task, args.root, ks=ks, seed=args.seed)
    summary = result.to_dict()
    print(
        f"{args.task}: k-mer baseline test MCC {100 * result.test['mcc']:.2f} "
        f"(validation {100 * result.validation['mcc']:.2f}, C={result.chosen_c:g}, {result.seconds:.1f} s)"
    )
    if args.output:
        write_json_atomic(args.output, summary)  # a reader never sees half a file
    return 0
