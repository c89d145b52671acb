"""Accuracy of a field surrogate on the held-out part of its training set: the only writer of
surrogate card metrics (``SurrogateMetrics``), as ``zoo.samplers.validation`` is for samplers.

    zoo validate csr-wake-gaussian --data checkpoints/data/csr_wakes-....npz --write-card

The dataset must be the one the card was trained on (its content sha256 is on the card). For the
held-out fields (``test`` in the dataset) and each component c (Ws, Wx, Wy):

* ``test_mae_relative`` (the seed paper's metric): mean over the grid of |W_pred - W_true|, divided
  by the standard deviation of W_true over the grid, averaged over the held-out fields
  (dropout off); ``train_mae_relative`` the same on up to ``n_train`` training fields (overfitting);
* ``calibration_2sigma``: with ``mc_samples`` Monte Carlo dropout passes, the fraction of held-out
  grid values within mean +- 2 std (0.954 if the errors were Gaussian with that std);
  ``std_relative``: the mean std over the grid / std of the truth;
* ``constraint_violation``: the held-out bunches are symmetric in y, so the exact wakes have
  Ws, Wx even and Wy odd in y; mean over the grid of |W - P W| / 2 (P the mirror with the
  component's parity) / std of the truth (0 for a hard-constrained network);
* ``ood`` (density models): the same errors on the dataset's out-of-distribution densities (two
  bunches, skewed, tilted, offset in y), per family.

Metrics come from float32 networks (the conv nets' own precision); the Monte Carlo passes are
seeded (``seed``).
"""
from __future__ import annotations

import sys
import time

from pathlib import Path

import numpy as np

from ..card import SurrogateMetrics
from ..processes.csr_wake.dataset import WakeDataset, load_dataset


def relative_mae(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """(B, C) mean |pred - true| over the grid / std(true) over the grid, per field and component."""
    p = pred.reshape(*pred.shape[:2], -1).astype(np.float64)
    t = true.reshape(*true.shape[:2], -1).astype(np.float64)
    return np.abs(p - t).mean(axis=-1) / np.maximum(t.std(axis=-1), 1e-300)


def symmetry_violation(pred: np.ndarray, true: np.ndarray, parity) -> np.ndarray:
    """(B, C) mean |W - P W| / 2 over the grid / std(true), P the mirror of the last axis times each
    component's parity (+1/-1, ``OutputComponent.parity``)."""
    parity = np.array(parity, dtype=np.float64).reshape(1, -1, 1, 1, 1)
    p = pred.astype(np.float64)
    d = np.abs(p - parity * p[..., ::-1]).reshape(*p.shape[:2], -1).mean(axis=-1) / 2.0
    t = true.reshape(*true.shape[:2], -1).astype(np.float64)
    return d / np.maximum(t.std(axis=-1), 1e-300)


def calibration(mean: np.ndarray, std: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(B, C) fraction of grid values inside mean +- 2 std, and (B, C) mean std / std(true)."""
    m, s, t = (a.reshape(*a.shape[:2], -1).astype(np.float64) for a in (mean, std, true))
    inside = (np.abs(t - m) <= 2.0 * s).mean(axis=-1)
    return inside, s.mean(axis=-1) / np.maximum(t.std(axis=-1), 1e-300)


def _stack(result: dict, names, key=None) -> np.ndarray:
    d = result if key is None else result[key]
    return np.stack([d[c] for c in names], axis=1)


def _predict(model, inputs, *, mc_samples: int = 0, seed: int = 0):
    """Batched predict on the dataset's inputs ((B, 3) sigmas or (B, n_s, n_x, n_y) densities)."""
    if model.card.inputs[0].kind == "field":
        r = model.predict(density=inputs, mc_samples=mc_samples, seed=seed)
    else:
        names = [i.name for i in model.card.inputs]
        r = model.predict(**{n: inputs[:, k] for k, n in enumerate(names)}, mc_samples=mc_samples, seed=seed)
    names = model.components
    return _stack(r, names), (_stack(r, names, "std") if mc_samples else None)


def _values(a: np.ndarray, names) -> dict:
    return {c: float(v) for c, v in zip(names, a)}


def checked_dataset(card, dataset: WakeDataset | str) -> WakeDataset:
    """The card's training set (a loaded ``WakeDataset`` or the .npz path), checked against the
    card's sha256 and output grid."""
    want = card.training.dataset.sha256
    ds = load_dataset(dataset, sha256=want) if not isinstance(dataset, WakeDataset) else dataset
    if ds.sha256 != want:
        raise ValueError(f"dataset {ds.path} has sha256 {ds.sha256}, the card was trained on {want}")
    if tuple(ds.W.shape[2:]) != card.output.shape:
        raise ValueError(f"dataset grid {tuple(ds.W.shape[2:])} differs from the card's {card.output.shape}")
    return ds


def validate_surrogate(model, dataset: WakeDataset | str, *, mc_samples: int = 20, seed: int = 0,
                       n_train: int = 32, progress=None) -> SurrogateMetrics:
    """Measure a ``Surrogate`` on its training set's held-out fields; returns card metrics.

    ``dataset``: a loaded ``WakeDataset`` or the path of the .npz (checked against the card's
    training.dataset.sha256 either way)."""
    from .._version import __version__

    card = model.card
    ds = checked_dataset(card, dataset)
    if mc_samples < 2:
        raise ValueError("mc_samples must be at least 2")
    t0 = time.perf_counter()
    field = card.inputs[0].kind == "field"
    names, parity = model.components, [c.parity for c in card.output.components]
    test = np.flatnonzero(ds.test)
    train = np.flatnonzero(~ds.test)
    train = train[np.unique(np.round(np.linspace(0, len(train) - 1, min(n_train, len(train)))).astype(int))] \
        if n_train > 0 else train[:0]

    def inputs(idx):
        return ds.densities(idx) if field else ds.sigma[idx]

    def say(msg):
        if progress:
            progress(msg)

    chunk = 8
    mae, viol, inside, rel_std = [], [], [], []
    for a in range(0, len(test), chunk):
        idx = test[a:a + chunk]
        true = ds.W[idx]
        pred, _ = _predict(model, inputs(idx))
        mae.append(relative_mae(pred, true))
        viol.append(symmetry_violation(pred, true, parity))
        mean, std = _predict(model, inputs(idx), mc_samples=mc_samples, seed=seed + a)
        i, s = calibration(mean, std, true)
        inside.append(i)
        rel_std.append(s)
        say(f"held-out {min(a + chunk, len(test))}/{len(test)}")
    train_mae = []
    for a in range(0, len(train), chunk):
        idx = train[a:a + chunk]
        train_mae.append(relative_mae(_predict(model, inputs(idx))[0], ds.W[idx]))
        say(f"training {min(a + chunk, len(train))}/{len(train)}")
    ood = []
    if field and len(ds.ood_kind):
        kinds = np.array(ds.ood_kind)
        for kind in dict.fromkeys(ds.ood_kind):
            idx = np.flatnonzero(kinds == kind)
            true = ds.ood_W[idx]
            pred, _ = _predict(model, ds.ood_density[idx])
            mean, std = _predict(model, ds.ood_density[idx], mc_samples=mc_samples, seed=seed + 7919)
            i, _ = calibration(mean, std, true)
            ood.append({"name": kind, "n": int(len(idx)), "mae_relative": _values(relative_mae(pred, true).mean(0),
                                                                                    names),
                        "calibration_2sigma": _values(i.mean(0), names)})
            say(f"out-of-distribution {kind}")
    cat = lambda xs: np.concatenate(xs).mean(axis=0)  # noqa: E731
    return SurrogateMetrics.model_validate({
        "zoo_version": __version__, "digest": card.measured_digest(), "n_test": int(len(test)),
        "n_train_measured": int(len(train)), "mc_samples": int(mc_samples),
        "test_mae_relative": _values(cat(mae), names),
        "train_mae_relative": _values(cat(train_mae), names) if train_mae else None,
        "calibration_2sigma": _values(cat(inside), names), "std_relative": _values(cat(rel_std), names),
        "constraint_violation": _values(cat(viol), names), "ood": ood,
        "wall_time_s": round(time.perf_counter() - t0, 2)})


#: the off-grid family (issue 23): Gaussian bunches with random sizes (latin hypercube over the
#: training range, this seed) on the card's grid and physics, computed by the same exact wake code.
#: A card's own test bunches are nodes of its training grid; these are not.
OFFGRID_SEED = 23


def offgrid_spec(card, n: int = 100, seed: int = OFFGRID_SEED):
    """The DatasetSpec of ``n`` off-grid Gaussian bunches for a CSR-wake surrogate card."""
    from ..processes.csr_wake.dataset import DatasetSpec

    axes = card.output.axes
    half = axes[0].extent[1]
    if any(abs(a.extent[0] + half) > 1e-12 * half or abs(a.extent[1] - half) > 1e-12 * half for a in axes) or \
            len({a.n for a in axes}) != 1:
        raise ValueError(f"{card.name}: the off-grid family needs a cubic grid centred on 0")
    ph = card.output.physics
    return DatasetSpec(n=axes[0].n, half_width=half, sampling="lhs", n_samples=int(n), seed=int(seed),
                       ood_per_kind=0, rho=ph.rho_m, gamma=ph.gamma)


def offgrid_metrics(model, folder, *, n: int = 100, mc_samples: int = 20, seed: int = OFFGRID_SEED) -> dict:
    """Relative MAE / std and 2-sigma calibration of a CSR-wake surrogate on ``n`` off-grid Gaussian
    bunches (``offgrid_spec``; their exact wakes are computed into ``folder`` once and reused), and
    per bunch: the sizes, the mean MAE over the components and the calibration."""
    import io

    from ..processes.csr_wake.dataset import generate

    spec = offgrid_spec(model.card, n, seed)
    ds = generate(spec, Path(folder) / f"csr_offgrid-n{spec.n}-{spec.key()}.npz", stream=io.StringIO(),
                  command="zoo.surrogates.validation.offgrid_metrics")
    field = model.card.inputs[0].kind == "field"
    names = model.components
    idx = np.arange(len(ds.sigma))
    inputs = ds.densities(idx) if field else ds.sigma
    pred, _ = _predict(model, inputs)
    mean, std = _predict(model, inputs, mc_samples=mc_samples, seed=seed)
    mae = relative_mae(pred, ds.W)                     # (n, C)
    inside, _ = calibration(mean, std, ds.W)           # (n, C)
    return {"n": int(len(idx)), "sigma": ds.sigma, "mae": mae, "calibration": inside,
            "mae_relative": _values(mae.mean(0), names), "calibration_2sigma": _values(inside.mean(0), names),
            "dataset_sha256": ds.sha256}


def validator_of(card):
    """The function that measures a card's metrics: its process package's ``validate_surrogate``
    (``zoo.processes.<process>``) when it defines one, else this module's (CSR wakes)."""
    import importlib

    module = importlib.import_module(f"zoo.processes.{card.output.physics.process}")
    return getattr(module, "validate_surrogate", validate_surrogate)


def with_metrics(card, metrics: SurrogateMetrics):
    """The card carrying ``metrics`` (re-validated as a whole)."""
    return type(card).model_validate_json(card.model_copy(update={"metrics": metrics}).model_dump_json())


def write_surrogate(net, card, out_dir: str | Path, dataset, *,
                    validate_model: bool = True, mc_samples: int = 20, seed: int = 0, device: str = "cpu",
                    stream=sys.stderr):
    """Save weights + card into out_dir; the weights hash/count are filled in here and the metrics by
    the card's validator (``validator_of``: its process's, on ``dataset``, a loaded set or its path;
    the network on ``device``)."""
    from .. import weights as weights_io
    from ..card import CARD_FILENAME, SurrogateCard
    from .model import Surrogate

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    sha, count = weights_io.save(state, out / card.weights.file)
    card = SurrogateCard.model_validate_json(card.model_copy(update={"weights": card.weights.model_copy(
        update={"sha256": sha, "parameter_count": count})}).model_dump_json())
    if validate_model:
        model = Surrogate(card, out, weights_io.load_checked(out / card.weights.file, card.weights, card.architecture))
        if device != "cpu":
            model.to(device)
        say = (lambda m: print(f"\r[{card.name}] validating: {m}      ", end="", file=stream, flush=True)) \
            if stream is not None else None
        metrics = validator_of(card)(model, dataset, mc_samples=mc_samples, seed=seed, progress=say)
        card = with_metrics(card, metrics)
        if stream is not None:
            print(file=stream)
    card.write(out / CARD_FILENAME)
    return card
