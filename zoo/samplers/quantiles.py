"""Exact inverse-CDF tables: the supervised targets of quantile regression.

The network's output z_k is regressed onto the exact z*_k(u, Z) with
C_k(to_physical(squash(z*)) | x_<k) = u_k, found by bisection in w = squash(z) in
[0, 1] on the exact (conditional) CDF (float64, 50 halvings: |w - w*| < 1e-15); for
chained models H_k is conditioned on the exact earlier components (eq. 17). The table holds every
combination of the training-list parameter values (never a held-out value) and, per
combination, ``n_u`` stratified values of u (u = 0 and u = 1 always included).

Each entry carries the weight p_z(z*)^2, p_z = dC/dz the exact density in z (mean 1,
floored at 1e-3), so that the weighted squared error is the CDF loss to first order,
(C(x(z)) - u)^2 ~ p_z^2 (z - z*)^2: errors where the density vanishes (square-root
ends of the map) cost nothing, as they cost no KS accuracy.

``tails=True`` builds the table for tail accuracy instead: half the u values stratified in
(0, 1), half stratified in logit(u) over [-TAIL_LOGIT, TAIL_LOGIT] (u down to ~1e-8 at both
ends); the exact w is polished by ``zoo.samplers.exact.refine`` (relative accuracy in the tails); and
the weight is (p_z / min(u, 1 - u))^2: the squared error is then, to first order, the squared
relative error of the tail mass |C(x)/u - 1| (of 1 - C above u = 1/2), which at u ~ 1/2 is the
CDF loss again. That is the quantity the card's tail metrics measure.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..card import ModelCard
from ..files import atomic_write
from ..targets import Target
from ..targets.base import bisect_increasing
from ..transforms import inverse_squash, squash, to_physical

BISECTION_STEPS = 50
#: tails=True: half the u values are stratified in logit(u) over [-TAIL_LOGIT, TAIL_LOGIT]
TAIL_LOGIT = 18.5


def x_of_w(target: Target, k: int, w: np.ndarray, prev: np.ndarray | None, params: dict[str, np.ndarray],
           transform) -> np.ndarray:
    """The physical x_k of w in [0, 1] through the model's coordinate (numpy in and out)."""
    tprev = None if prev is None else torch.as_tensor(prev)
    tparams = {n: torch.as_tensor(v) for n, v in params.items()}
    return to_physical(target, k, torch.as_tensor(w), tprev, tparams, transform).numpy()


def exact_w(target: Target, k: int, u: np.ndarray, prev: np.ndarray | None, params: dict[str, np.ndarray],
            transform) -> np.ndarray:
    """w in [0, 1] with C_k(to_physical(w) | prev) = u, by vectorised bisection."""
    return bisect_increasing(
        lambda w: target.component_cdf(k, x_of_w(target, k, w, prev, params, transform), prev, params),
        u, BISECTION_STEPS)


#: relative step of the finite difference for dx/dz
_FD_STEP = 1e-6
#: floor of the normalised weights
WEIGHT_FLOOR = 1e-3


def stratified_u(n_u: int, rng: np.random.Generator, tails: bool = False) -> np.ndarray:
    """n_u values in [0, 1]: the ends, and one uniform draw in each of n_u - 2 equal strata.

    ``tails``: no ends; n_u // 2 values stratified in (0, 1), the rest stratified in
    v = logit(u) over [-TAIL_LOGIT, TAIL_LOGIT]."""
    if not tails:
        s = (np.arange(n_u - 2) + rng.random(n_u - 2)) / (n_u - 2)
        return np.concatenate([[0.0], s, [1.0]])
    n1 = n_u // 2
    n2 = n_u - n1
    s = (np.arange(n1) + rng.random(n1)) / n1
    v = -TAIL_LOGIT + 2.0 * TAIL_LOGIT * (np.arange(n2) + rng.random(n2)) / n2
    return np.sort(np.concatenate([s, 1.0 / (1.0 + np.exp(-v))]))


def density_in_z(target: Target, k: int, z: np.ndarray, prev: np.ndarray | None, params: dict[str, np.ndarray],
                 transform) -> np.ndarray:
    """p_z = pdf_k(x(z) | prev) |dx/dz| with x = to_physical(squash(z)), dx/dz by autograd (float64).

    A difference quotient of x fails where x is quantized by float64 itself: at k = 1e-6 the
    Klein-Nishina eps lies within 2e-6 of 1, so eps - eps_min at u = 1e-8 is a few hundred ulps and a
    1e-6 step in z moves x by 0 or 1 ulp (weights of 0 or 1e4 times the mean, which then dominated
    the training loss). Where autograd is not finite (an unselected branch of a ``where`` with an
    infinite slope), the central difference is used instead."""
    zt = torch.as_tensor(np.asarray(z, dtype=np.float64)).clone().requires_grad_(True)
    tprev = None if prev is None else torch.as_tensor(prev)
    tparams = {n: torch.as_tensor(v) for n, v in params.items()}
    x = to_physical(target, k, squash(zt, transform.squash), tprev, tparams, transform)
    (grad,) = torch.autograd.grad(x.sum(), zt, allow_unused=True)
    dxdz = np.full(zt.shape, np.nan) if grad is None else grad.numpy()
    bad = ~np.isfinite(dxdz)
    if np.any(bad):
        dxdz[bad] = _difference_quotient(target, k, np.asarray(z)[bad], None if prev is None else prev[bad],
                                         {n: np.broadcast_to(v, np.shape(z))[bad] for n, v in params.items()},
                                         transform)
    return target.component_pdf(k, x.detach().numpy(), prev, params) * np.abs(dxdz)


def _difference_quotient(target, k, z, prev, params, transform):
    def x_of(zz):
        return x_of_w(target, k, squash(torch.as_tensor(zz), transform.squash).numpy(), prev, params, transform)

    h = _FD_STEP * np.maximum(1.0, np.abs(z))
    lo, hi = z - h, z + h
    if transform.squash == "clamp":  # keep the stencil inside [0, 1], one-sided at the ends
        lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return (x_of(hi) - x_of(lo)) / (hi - lo)


def exact_chain(card: ModelCard, target: Target, u: np.ndarray, params: dict[str, np.ndarray],
                tails: bool = False):
    """Exact w_k, z_k and density weights p_z^2 of every component for u of shape (n, d): component k
    is conditioned on the exact earlier components (teacher forcing, as eq. 17 trains H_k).
    ``tails``: w polished to relative accuracy in the tails, weights (p_z / min(u, 1 - u))^2."""
    n, d = u.shape
    w, z, weight = (np.empty((n, d)) for _ in range(3))
    xs = []
    for k, sub in enumerate(card.architecture.subnets):
        transform = sub.output_transform
        prev = np.stack(xs, axis=1) if xs else None
        w[:, k] = exact_w(target, k, u[:, k], prev, params, transform)
        if tails:
            from .exact import refine

            w[:, k] = refine(target, k, u[:, k], w[:, k], prev, params, transform.coordinate, max_iter=6).w
        z[:, k] = inverse_squash(torch.as_tensor(w[:, k]), transform.squash).numpy()
        weight[:, k] = density_in_z(target, k, z[:, k], prev, params, transform) ** 2
        if tails:
            weight[:, k] /= np.minimum(u[:, k], 1.0 - u[:, k]) ** 2
        xs.append(x_of_w(target, k, w[:, k], prev, params, transform))
    return w, z, weight


def _coordinate_code(card: ModelCard) -> list[str]:
    """Hashes of every form of the card's coordinates (``KernelCoordinate.digest``: C, torch and numpy):
    a table holds w of one coordinate's formula, so a changed formula under the same name must not
    reuse a cached table."""
    from ..targets import get_target

    target = get_target(card.target.id)
    out = []
    for sub in card.architecture.subnets:
        kc = (target.kernel_coordinates or {}).get(sub.output_transform.coordinate)
        out.append(kc.digest if kc is not None else "")
    return out


def table_key(card: ModelCard, n_u: int, seed: int, tails: bool = False) -> str:
    """Hash of everything the table depends on (for the on-disk cache)."""
    spec = {"target": card.target.model_dump(mode="json"), "grid": card.training.parameter_grid,
            "transforms": [s.output_transform.model_dump(mode="json") for s in card.architecture.subnets],
            "coordinate_code": _coordinate_code(card),
            "n_u": n_u, "seed": seed, "steps": BISECTION_STEPS, "layout": 4}
    if tails:
        spec.update(tails=True, tail_logit=TAIL_LOGIT)
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def build_table(card: ModelCard, target: Target, lists: dict[str, np.ndarray], n_u: int, seed: int,
                cache_dir: str | Path | None = None, stream=sys.stderr, tails: bool = False) -> dict[str, torch.Tensor]:
    """Exact quantile table over the training lists: {param: (N,), "u", "w", "z", "weight": (N, d)}.

    Per parameter point, n_u rows: u_0 stratified, u_k (k > 0) stratified and shuffled.
    With ``cache_dir`` the table is stored as ``quantiles-<key>.npz`` and reused.
    """
    path = Path(cache_dir) / f"quantiles-{table_key(card, n_u, seed, tails)}.npz" if cache_dir else None
    if path is not None and path.is_file():
        with np.load(path) as f:
            return {k: torch.as_tensor(f[k]) for k in f.files}
    rng = np.random.default_rng(seed)
    names = list(lists)
    combos = list(itertools.product(*(lists[n] for n in names))) or [()]
    d = target.dim
    cols: dict[str, list[np.ndarray]] = {n: [] for n in [*names, "u", "w", "z", "weight"]}
    t0 = time.perf_counter()
    chunk = max(1, 8192 // n_u)
    for start in range(0, len(combos), chunk):
        block = combos[start:start + chunk]
        u = np.stack([np.concatenate([stratified_u(n_u, rng, tails) if k == 0
                                      else rng.permutation(stratified_u(n_u, rng, tails))
                                      for _ in block]) for k in range(d)], axis=1)
        params = {n: np.repeat([c[i] for c in block], n_u) for i, n in enumerate(names)}
        w, z, weight = exact_chain(card, target, u, params, tails)
        for n in names:
            cols[n].append(params[n])
        for key, value in (("u", u), ("w", w), ("z", z), ("weight", weight)):
            cols[key].append(value)
        if stream is not None and (start // chunk) % 50 == 0:
            print(f"[quantile table] {start + len(block)}/{len(combos)} parameter points, "
                  f"{time.perf_counter() - t0:.0f}s", file=stream, flush=True)
    table = {k: np.concatenate(v) for k, v in cols.items()}
    weight = np.nan_to_num(table["weight"], nan=0.0, posinf=0.0)
    table["weight"] = np.maximum(weight / weight.mean(axis=0), WEIGHT_FLOOR)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda f: np.savez(f, **table), what="quantile table cache")
    return {k: torch.as_tensor(v) for k, v in table.items()}
