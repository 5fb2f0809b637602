"""Synthetic composite sequences: grid size, the formula by hand, noise statistics, tokens, OOD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hf_genomics.data.synthetic import (
    GRID_VALUES,
    composite_sequence,
    composite_values,
    iter_synthetic,
    ood_split,
    parameter_grid,
    synthetic_dataset,
    to_tokens,
)

PARAMS = {
    "direction": -1,
    "power": 1.6,
    "wavelength": 3,
    "second_wavelength": 7,
    "second_wavelength_cos": 2,
    "amplitude": 20,
    "amplitude_ratio": 1.5,
}


def test_grid_has_240000_distinct_sets():
    grid = parameter_grid()
    assert len(grid) == 240_000 == 2 * 4 * 10 * 10 * 10 * 5 * 6
    assert len(np.unique(grid)) == 240_000
    for name, values in GRID_VALUES.items():
        assert set(np.unique(grid[name])) == {float(v) for v in values}


def reference_value(p: dict, x: float, u: float, length: int = 4096) -> float:
    wl, wl2 = length / p["wavelength"], length / p["second_wavelength"]
    wl2c = length / (p["second_wavelength_cos"] * 10 * u)
    shift = length / 10
    amp = p["amplitude"]
    return (
        amp * math.cos(2 * math.sin(2 * math.cos(2 * math.pi * (x + shift) / wl2)))
        + amp * p["amplitude_ratio"] * math.sin(2 * math.pi * x / wl)
        + amp * math.sin(2 * math.pi * x / wl2) * math.cos(1.1 * math.pi * x / wl2c)
        + p["direction"] * 0.00019 * x ** p["power"]
    )


def test_formula_by_hand():
    params = {**PARAMS, "u": 0.37}
    values = composite_values(params, noise_scale=0.0)
    xs = np.linspace(0, 4096, 4096)
    for i in (0, 1, 100, 2047, 4095):
        assert values[i] == pytest.approx(reference_value(PARAMS, xs[i], 0.37), rel=1e-9, abs=1e-9)
    # x = 0: amp cos(2 sin(2 cos(2 pi 409.6 / wl2))) only
    assert values[0] == pytest.approx(
        20 * math.cos(2 * math.sin(2 * math.cos(2 * math.pi * 409.6 * 7 / 4096)))
    )


def test_noise_is_half_sparse_gaussian_with_sd_2():
    params = {**PARAMS, "u": 0.5}
    noise = composite_values(params, length=4096, seed=1) - composite_values(
        params, length=4096, noise_scale=0.0
    )
    nonzero = noise[noise != 0]
    assert abs(len(nonzero) / 4096 - 0.5) < 4 * math.sqrt(0.25 / 4096)
    assert np.std(nonzero) == pytest.approx(2.0, rel=0.06)


def test_seeding():
    grid = parameter_grid()
    a = composite_sequence(grid[123], seed=5)
    assert np.array_equal(a, composite_sequence(grid[123], seed=5))
    assert not np.array_equal(a, composite_sequence(grid[123], seed=6))
    assert a.dtype == np.int64 and a.shape == (4096,)


def test_tokenization():
    values = np.array([-3.7, -0.2, 0.9, 5.5, 3000.0, -3000.0])
    np.testing.assert_array_equal(to_tokens(values), [-3, 0, 0, 5, 3000, -3000])
    np.testing.assert_array_equal(to_tokens(values, "shift_clip", vocab_size=100), [47, 50, 50, 55, 99, 0])
    with pytest.raises(ValueError, match="method"):
        to_tokens(values, "round")


def test_stream_and_dataset_agree_and_ood_split():
    grid = parameter_grid()
    in_dist, ood = ood_split(grid, {"wavelength": [10], "amplitude": [50]})
    assert len(ood) == 240_000 - 240_000 * 9 // 10 * 4 // 5
    assert set(np.unique(grid[in_dist]["wavelength"])) == set(range(1, 10))
    assert (grid[ood]["wavelength"] == 10).any() and (grid[ood]["amplitude"] == 50).any()
    rows = list(iter_synthetic(grid, [7, 8], length=64, vocab_size=512))
    dataset = synthetic_dataset(grid, [8, 7], length=64, vocab_size=512)
    assert dataset[1]["input_ids"] == rows[0]["input_ids"] and dataset[0]["grid_index"] == 8
    assert all(0 <= t < 512 for row in rows for t in row["input_ids"])
    with pytest.raises(ValueError, match="unknown parameter"):
        ood_split(grid, {"colour": [1]})


def test_tiny_gpt_neox_learns_synthetic_sequences():
    import torch
    from transformers import GPTNeoXForCausalLM

    from hf_genomics.models.pythia import pythia_config

    grid = parameter_grid()
    rows = synthetic_dataset(grid, [0, 5000, 100_000, 200_000], length=128, vocab_size=256).with_format(
        "torch"
    )
    ids = torch.as_tensor(rows[:]["input_ids"])
    assert ids.shape == (4, 128) and int(ids.min()) >= 0 and int(ids.max()) < 256
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(pythia_config("tiny", vocab_size=256, bos_token_id=None, eos_token_id=None))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 1.0  # from ~ln(256) = 5.5 towards the sequences' structure
