"""The CNN variant runs behind gue-recipe's CNN choices (docs/results/gue_recipe/cnn_variants/README.md).

A plain torch loop (no Trainer), one thread, fixed epochs, cosine schedule; validation and test MCC
every half epoch, one log line each: (step, epoch, validation MCC, test MCC[, validation loss], seconds).
Choices are made on the validation column only. Run from the repository root:
    python docs/results/gue_recipe/cnn_variants/cnn_variants.py tf/1 --epochs 4 --rcaug --rctta --tag rcaug
``--pretrain E``: E epochs of masked-base pretraining of the trunk on the training sequences first
(15% of bases replaced by N, a random strand per row; ../self_pretraining/). ``--ema D``: evaluate an
exponential moving average of the weights (decay D).
"""

import argparse
import json
import math
import os
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import matthews_corrcoef
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from hf_genomics.models.cnn.configuration_dna_cnn import DnaCnnConfig
from hf_genomics.models.cnn.modeling_dna_cnn import DnaCnnForSequenceClassification

p = argparse.ArgumentParser()
p.add_argument("task")
p.add_argument("--epochs", type=float, default=6)
p.add_argument("--hidden", type=int, default=64)
p.add_argument("--blocks", type=int, default=4)
p.add_argument("--stem", type=int, default=15)
p.add_argument("--kmers", default="3,4,5,6")
p.add_argument("--dropout", type=float, default=0.1)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--wd", type=float, default=0.01)
p.add_argument("--rcaug", action="store_true")
p.add_argument("--rcshare", action="store_true")
p.add_argument("--rctta", action="store_true")
p.add_argument("--pool", default="mean_max")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--bs", type=int, default=64)
p.add_argument("--emb", type=int, default=16)
p.add_argument("--kmer_emb", type=int, default=32)
p.add_argument("--tag", default="")
p.add_argument("--bins", type=int, default=1)
p.add_argument("--evals_per_epoch", type=int, default=2)
p.add_argument("--shift", type=int, default=0)
p.add_argument("--ema", type=float, default=0)
p.add_argument("--pretrain", type=float, default=0)
p.add_argument("--mask_rate", type=float, default=0.15)
a = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(a.seed)
np.random.seed(a.seed)
root = os.path.join(os.environ.get("HF_GENOMICS_DATA", "../shared/data"), "gue", a.task)
LUT = np.full(256, 4, np.int64)
for i, c in enumerate("ACGT"):
    LUT[ord(c)] = i
    LUT[ord(c.lower())] = i


def load(split):
    df = pd.read_csv(f"{root}/{split}.csv")
    L = df.sequence.str.len().max()
    arr = np.full((len(df), L), 5, np.int64)
    mask = np.zeros((len(df), L), np.int64)
    for j, s in enumerate(df.sequence):
        b = np.frombuffer(s.encode(), np.uint8)
        arr[j, : len(b)] = LUT[b]
        mask[j, : len(b)] = 1
    return torch.tensor(arr), torch.tensor(mask), torch.tensor(df.label.values)


tr, dv, te = load("train"), load("dev"), load("test")
# ids: 0..3 ACGT, 4 N, 5 pad ; rc map
nl = int(tr[2].max()) + 1
kmers = [int(k) for k in a.kmers.split(",") if k]
cfg = DnaCnnConfig(
    vocab_size=6,
    embedding_size=a.emb,
    hidden_size=a.hidden,
    stem_kernel_size=a.stem,
    num_hidden_layers=a.blocks,
    hidden_dropout_prob=a.dropout,
    pooling=a.pool,
    position_bins=a.bins,
    reverse_complement_sharing=a.rcshare,
    rc_token_map=[3, 2, 1, 0, 4, 5],
    kmer_sizes=kmers,
    kmer_embedding_size=a.kmer_emb,
    base_token_codes=[0, 1, 2, 3, -1, -1],
    pad_token_id=5,
    num_labels=nl,
)
model = DnaCnnForSequenceClassification(cfg)


def rc(ids, mask):
    from hf_genomics.models.cnn.modeling_dna_cnn import reverse_complement_ids

    return reverse_complement_ids(ids, mask, torch.tensor([3, 2, 1, 0, 4, 5]))


def random_strand(ids, mask):
    """Each row on a random strand: about half of them reverse-complemented."""
    flip = torch.rand(len(ids)) < 0.5
    if flip.any():
        ids = ids.clone()
        ids[flip] = rc(ids[flip], mask[flip])
    return ids


def shuffled_batches(total):
    """``total`` batches of training-row indices, a fresh permutation for every pass."""
    rows, done = len(tr[2]), 0
    while done < total:
        perm = torch.randperm(rows)
        for i in range(0, rows, a.bs):
            if done >= total:
                return
            yield perm[i : i + a.bs]
            done += 1


if a.pretrain:  # masked-base pretraining of the trunk on the training sequences (no labels), random strand
    head = torch.nn.Conv1d(a.hidden, 4, 1)
    popt = torch.optim.AdamW(
        list(model.model.parameters()) + list(head.parameters()), lr=a.lr, weight_decay=a.wd
    )
    n0 = len(tr[2])
    spe0 = math.ceil(n0 / a.bs)
    total0 = int(a.pretrain * spe0)
    warm0 = max(1, int(0.1 * total0))
    psched = torch.optim.lr_scheduler.LambdaLR(
        popt,
        lambda s: (
            (s + 1) / warm0
            if s < warm0
            else 0.5 * (1 + math.cos(math.pi * (s - warm0) / max(1, total0 - warm0)))
        ),
    )
    t0p = time.time()
    for st, idx in enumerate(shuffled_batches(total0), start=1):
        m = tr[1][idx]
        ids = random_strand(tr[0][idx], m)
        target = ids.clone()
        masked = (torch.rand(ids.shape) < a.mask_rate) & (m == 1) & (ids < 4)
        ids = ids.masked_fill(masked, 4)
        hid, _ = model.model.features(ids, m[:, None, :].float())
        logits = head(hid).transpose(1, 2)
        loss = torch.nn.functional.cross_entropy(logits[masked], target[masked])
        popt.zero_grad()
        loss.backward()
        popt.step()
        psched.step()
        if st % spe0 == 0:
            acc = (logits[masked].argmax(-1) == target[masked]).float().mean().item()
            print(
                "pretrain",
                round(st / spe0, 2),
                round(loss.item(), 4),
                round(acc, 3),
                round(time.time() - t0p),
                flush=True,
            )

# an exponential moving average of the weights (and BatchNorm statistics) is what evaluation reads
ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(a.ema), use_buffers=True) if a.ema else None
opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
n = len(tr[2])
spe = math.ceil(n / a.bs)
total = int(a.epochs * spe)
warm = int(0.1 * total)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt,
    lambda s: (
        (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))
    ),
)


def probs(split):
    net = ema.module if ema is not None else model
    model.eval()
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(split[2]), 256):
            ids, m = split[0][i : i + 256], split[1][i : i + 256]
            p_ = net(ids, m).logits.softmax(-1)
            if a.rctta:
                p_ = (p_ + net(rc(ids, m), m).logits.softmax(-1)) / 2
            out.append(p_)
    model.train()
    return torch.cat(out).numpy()


os.makedirs("runs/cnn_variants", exist_ok=True)
hist = []
t0 = time.time()
every = max(1, spe // a.evals_per_epoch)
best = (-1, None)
bestloss = (9e9, None)
snaps = []
for step, idx in enumerate(shuffled_batches(total), start=1):
    ids, m, y = tr[0][idx], tr[1][idx], tr[2][idx]
    if a.rcaug:
        ids = random_strand(ids, m)
    if a.shift:
        s = int(torch.randint(-a.shift, a.shift + 1, ()))
        if s:
            ids = torch.roll(ids, s, 1)
            m = torch.roll(m, s, 1)
    loss = torch.nn.functional.cross_entropy(model(ids, m).logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if ema is not None:
        ema.update_parameters(model)
    if step % every == 0 or step == total:
        pd_, pt = probs(dv), probs(te)
        vm = matthews_corrcoef(dv[2], pd_.argmax(1))
        tm = matthews_corrcoef(te[2], pt.argmax(1))
        vl = float(-np.log(np.clip(pd_[np.arange(len(dv[2])), dv[2].numpy()], 1e-7, 1)).mean())
        hist.append(
            (
                step,
                round(step / spe, 2),
                round(vm * 100, 2),
                round(tm * 100, 2),
                round(vl, 4),
                round(time.time() - t0),
            )
        )
        if vl < bestloss[0]:
            bestloss = (vl, tm)
        snaps.append(pt)
        if vm > best[0]:
            best = (vm, tm, step / spe, pt)
        print(hist[-1], flush=True)
res = dict(
    task=a.task,
    args=vars(a),
    best_val=best[0] * 100,
    test_at_best=best[1] * 100,
    epoch_at_best=best[2],
    final_test=hist[-1][3],
    test_at_min_loss=bestloss[1] * 100,
    snap3_test=matthews_corrcoef(te[2], np.mean(snaps[-3:], 0).argmax(1)) * 100,
    secs=round(time.time() - t0),
    s_per_step=(time.time() - t0) / total,
    hist=hist,
)
print(json.dumps({k: v for k, v in res.items() if k != "hist"}))
np.save(f"runs/cnn_variants/probs_{a.task.replace('/', '_')}_{a.tag}_s{a.seed}.npy", best[3])
np.save(f"runs/cnn_variants/final_{a.task.replace('/', '_')}_{a.tag}_s{a.seed}.npy", snaps[-1])
with open("runs/cnn_variants/results.jsonl", "a") as f:
    f.write(json.dumps(res) + "\n")
