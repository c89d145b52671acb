"""Card metrics of a beam-fields surrogate (``zoo validate beam-fields-fohm --data FILE``): the only
writer of its ``metrics``, measured against the exact solver's fields.

* ``test_mae_relative`` (the seed's metric, per component): mean over the grid of |F_pred - F_true|
  / mean of |F_true|, averaged over the **Gaussian test beams** (a beam family no network trained on);
* ``ood``: the same and the calibration on the **held-out complex beams** (validation split, "held-out
  complex beams"); ``train_mae_relative`` on up to ``n_train`` training fields;
* ``calibration_2sigma``: with ``mc_samples`` Monte Carlo dropout passes, the fraction of grid values
  within mean +- 2 std (0.954 for Gaussian errors of that std); ``std_relative``: mean std / mean |truth|;
* ``constraint_violation``: the divergence ||div F|| / (|k|max ||F||) on the pipe's modes of the
  predicted vector, the same value on each of its components (B: Maxwell's div B = 0; A: the
  Coulomb gauge's div A_perp = 0); 0 when exact, ~1e-7 for float32 curls.
"""
from __future__ import annotations

import time

import numpy as np

from ...card import SurrogateMetrics
from .dataset import BeamDataset, load_dataset


def relative_mae(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """(N, C): mean |pred - true| over the grid / mean |true| over the grid, per field and component."""
    p = pred.reshape(*pred.shape[:2], -1).astype(np.float64)
    t = true.reshape(*true.shape[:2], -1).astype(np.float64)
    return np.abs(p - t).mean(-1) / np.maximum(np.abs(t).mean(-1), 1e-300)


def calibration(mean, std, true) -> tuple[np.ndarray, np.ndarray]:
    """(N, C) fraction of grid values inside mean +- 2 std, and (N, C) mean std / mean |true|."""
    m, s, t = (a.reshape(*a.shape[:2], -1).astype(np.float64) for a in (mean, std, true))
    return (np.abs(t - m) <= 2 * s).mean(-1), s.mean(-1) / np.maximum(np.abs(t).mean(-1), 1e-300)


def divergence(fields: np.ndarray, card) -> np.ndarray:
    """(N, 6): the divergence ratio of B (on Bx, By, Bz) and of A (on Ax, Ay, Az)."""
    import torch

    from .spectral import PipeGrid, Spectral

    sp = Spectral(PipeGrid.of_card(card))
    f = torch.from_numpy(np.ascontiguousarray(fields)).double()
    b = sp.divergence_ratio(f[:, :3], "B").numpy()
    a = sp.divergence_ratio(f[:, 3:], "A").numpy()
    return np.stack([b, b, b, a, a, a], axis=1)


def predict(model, J: np.ndarray, *, mc_samples: int = 0, seed: int = 0):
    r = model.predict(current_density=J, mc_samples=mc_samples, seed=seed)
    names = model.components
    mean = np.stack([r[c] for c in names], axis=1)
    return mean, (np.stack([r["std"][c] for c in names], axis=1) if mc_samples else None)


def checked_dataset(card, dataset) -> BeamDataset:
    want = card.training.dataset.sha256
    ds = dataset if isinstance(dataset, BeamDataset) else load_dataset(dataset, sha256=want)
    if ds.sha256 != want:
        raise ValueError(f"dataset {ds.path} has sha256 {ds.sha256}, the card was trained on {want}")
    if tuple(ds.J.shape[2:]) != card.output.shape:
        raise ValueError(f"dataset grid {tuple(ds.J.shape[2:])} differs from the card's {card.output.shape}")
    return ds


def truth(ds: BeamDataset, idx) -> np.ndarray:
    f = ds.fields(idx)
    return np.concatenate([f["B"], f["A"]], axis=1)


def measure(model, ds: BeamDataset, idx, *, mc_samples: int, seed: int, chunk: int = 8) -> dict:
    """Per field (N, 6): MAE, calibration, std, divergence of the model on samples ``idx``."""
    out = {k: [] for k in ("mae", "inside", "std", "div")}
    for s in range(0, len(idx), chunk):
        i = idx[s:s + chunk]
        true = truth(ds, i)
        pred, _ = predict(model, ds.J[i])
        out["mae"].append(relative_mae(pred, true))
        out["div"].append(divergence(pred, model.card))
        if mc_samples:
            mean, std = predict(model, ds.J[i], mc_samples=mc_samples, seed=seed + s)
            a, b = calibration(mean, std, true)
            out["inside"].append(a)
            out["std"].append(b)
    return {k: np.concatenate(v) for k, v in out.items() if v}


def validate(model, dataset, *, mc_samples: int = 20, seed: int = 0, n_train: int = 32, progress=None
             ) -> SurrogateMetrics:
    """Measure a beam-fields ``Surrogate`` on its data set's Gaussian test beams, held-out complex
    beams and up to ``n_train`` training fields; returns card metrics (see the module docstring)."""
    from ..._version import __version__

    if mc_samples < 2:
        raise ValueError("mc_samples must be at least 2")
    card = model.card
    ds = checked_dataset(card, dataset)
    t0 = time.perf_counter()
    say = progress or (lambda m: None)
    names = model.components
    values = lambda a: {c: float(v) for c, v in zip(names, a)}  # noqa: E731
    say("Gaussian test beams")
    test = measure(model, ds, ds.indices("test"), mc_samples=mc_samples, seed=seed)
    say("held-out complex beams")
    val = measure(model, ds, ds.indices("val"), mc_samples=mc_samples, seed=seed + 7919)
    tr = ds.indices("train")
    tr = tr[np.unique(np.round(np.linspace(0, len(tr) - 1, min(n_train, len(tr)))).astype(int))]
    say("training fields")
    train = measure(model, ds, tr, mc_samples=0, seed=seed)
    return SurrogateMetrics.model_validate({
        "zoo_version": __version__, "digest": card.measured_digest(), "n_test": int(len(ds.indices("test"))),
        "n_train_measured": int(len(tr)), "mc_samples": int(mc_samples),
        "test_mae_relative": values(test["mae"].mean(0)), "train_mae_relative": values(train["mae"].mean(0)),
        "calibration_2sigma": values(test["inside"].mean(0)), "std_relative": values(test["std"].mean(0)),
        "constraint_violation": values(test["div"].mean(0)),
        "ood": [{"name": "held-out complex beams", "n": int(len(ds.indices("val"))),
                 "mae_relative": values(val["mae"].mean(0)), "calibration_2sigma": values(val["inside"].mean(0))}],
        "wall_time_s": round(time.perf_counter() - t0, 2)})
