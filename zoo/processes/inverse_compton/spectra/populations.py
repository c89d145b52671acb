"""Particle populations: electron distributions n_e(gamma) and photon fields n(eps0).

A population is a number density per unit of its variable (gamma, dimensionless, for
electrons; eps0 in m_e c^2 for photons) on [lo, hi], zero outside. ``total`` is its
integral (the number density, in whatever volume unit you choose, e.g. cm^-3); spectra
are linear in both populations' totals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class Population:
    """Interface: ``bounds``, ``density(x)``; ``cell_sample`` draws inside a cell of the MC grid."""

    bounds: tuple[float, float]

    def density(self, x) -> np.ndarray:
        raise NotImplementedError

    def cell_sample(self, ln_lo, ln_hi, u):
        """x in [e^ln_lo, e^ln_hi] from u in [0, 1), and weights w with E[w g(x)] = ∫_cell n(x) g(x) dx.

        Default: log-uniform x, w = n(x) x (ln_hi - ln_lo). Arrays broadcast.
        """
        x = np.clip(np.exp(ln_lo + u * (ln_hi - ln_lo)), *self.bounds)  # exp(ln(bound)) may round outside
        return x, self.density(x) * x * (ln_hi - ln_lo)


@dataclass(frozen=True)
class PowerLaw(Population):
    """n(x) = K x^(-index) on [lo, hi] (eq. 30), K such that the integral over [lo, hi] is ``total``."""

    index: float
    lo: float
    hi: float
    total: float = 1.0

    def __post_init__(self):
        if not (0.0 < self.lo < self.hi and math.isfinite(self.hi)):
            raise ValueError(f"power law needs 0 < lo < hi < inf, got lo={self.lo:g}, hi={self.hi:g}")
        if not (math.isfinite(self.index) and self.total > 0.0):
            raise ValueError(f"power law needs a finite index and total > 0, got {self.index!r}, {self.total!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        return self.lo, self.hi

    @property
    def norm(self) -> float:
        """K = total / ∫_lo^hi x^-index dx (computed in logs, stable for any index)."""
        s = 1.0 - self.index
        a, b = math.log(self.lo), math.log(self.hi)
        if abs(s) * (b - a) < 1e-12:
            integral = b - a
        else:  # (hi^s - lo^s)/s, factored to avoid overflow
            integral = math.exp(s * a) * math.expm1(s * (b - a)) / s
        return self.total / integral

    def density(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        inside = (x >= self.lo) & (x <= self.hi)
        return np.where(inside, self.norm * np.where(inside, x, 1.0) ** -self.index, 0.0)


class Tabulated(Population):
    """A population given by samples (x_i, n_i), interpolated linearly in log-log, zero outside.

    ``x`` must be increasing and positive, ``n`` non-negative (zeros are allowed: the
    density is interpolated linearly in n between neighbours where either is zero).
    The values are used as given (``total`` = ∫ n dx is reported, not imposed) unless
    ``total`` is passed, which rescales them.
    """

    def __init__(self, x, n, total: float | None = None):
        x = np.asarray(x, dtype=np.float64)
        n = np.asarray(n, dtype=np.float64)
        if x.ndim != 1 or x.shape != n.shape or x.size < 2:
            raise ValueError("tabulated population needs 1-D arrays x, n of equal length >= 2")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(n)) and x[0] > 0 and np.all(np.diff(x) > 0)):
            raise ValueError("tabulated population needs finite, positive, strictly increasing x and finite n")
        if np.any(n < 0):
            raise ValueError("tabulated population needs n >= 0")
        self.x, self.n = x, n
        if total is not None:
            self.n = n * (total / self._integral())

    @property
    def bounds(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.x[-1])

    @property
    def total(self) -> float:
        return self._integral()

    def _integral(self) -> float:
        from scipy.integrate import quad

        pieces = [quad(lambda t: float(self.density(math.exp(t))) * math.exp(t), math.log(a), math.log(b))[0]
                  for a, b in zip(self.x[:-1], self.x[1:])]
        return float(sum(pieces))

    def density(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        lo, hi = self.bounds
        inside = (x >= lo) & (x <= hi)
        lx = np.log(np.where(inside, x, lo))
        k = np.clip(np.searchsorted(self.x, np.where(inside, x, lo), side="right") - 1, 0, self.x.size - 2)
        x0, x1 = np.log(self.x[k]), np.log(self.x[k + 1])
        n0, n1 = self.n[k], self.n[k + 1]
        w = (lx - x0) / (x1 - x0)
        positive = (n0 > 0) & (n1 > 0)
        with np.errstate(divide="ignore"):
            loglog = np.exp((1 - w) * np.log(np.where(positive, n0, 1.0)) + w * np.log(np.where(positive, n1, 1.0)))
        val = np.where(positive, loglog, (1 - w) * n0 + w * n1)
        return np.where(inside, val, 0.0)


_ALIASES = {"alpha": "index", "beta": "index", "p": "index", "index": "index",
            "gmin": "lo", "emin": "lo", "min": "lo", "lo": "lo",
            "gmax": "hi", "emax": "hi", "max": "hi", "hi": "hi",
            "n": "total", "total": "total", "norm": "total"}


def parse_population(spec: str):
    """Parse a population from the command line.

    * ``powerlaw:alpha=3.2,gmin=1,gmax=1e9`` (electrons) or ``powerlaw:beta=1.5,emin=1e-6,emax=1e-3``
      (photons); also ``index=``, ``min=``, ``max=``, and ``total=`` (the integral, default 1);
    * ``table:FILE`` with FILE a ``.npy`` array of shape (2, m) or (m, 2), or a text file of two
      columns x n; optionally ``table:FILE,total=1``.
    """
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise ValueError(f"population {spec!r}: expected KIND:..., e.g. powerlaw:alpha=3.2,gmin=1,gmax=1e9")
    if kind == "powerlaw":
        kw = {}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or key.strip() not in _ALIASES:
                raise ValueError(f"population {spec!r}: unknown item {item!r} (use alpha|beta|index, "
                                 "gmin|emin|min, gmax|emax|max, total)")
            kw[_ALIASES[key.strip()]] = float(value)
        missing = {"index", "lo", "hi"} - set(kw)
        if missing:
            raise ValueError(f"population {spec!r}: missing {sorted(missing)}")
        return PowerLaw(**kw)
    if kind == "table":
        path, *opts = rest.split(",")
        total = None
        for item in opts:
            key, _, value = item.partition("=")
            if key.strip() not in ("total", "n", "norm"):
                raise ValueError(f"population {spec!r}: unknown option {item!r}")
            total = float(value)
        p = Path(path)
        arr = np.load(p) if p.suffix == ".npy" else np.loadtxt(p)
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim != 2 or 2 not in arr.shape:
            raise ValueError(f"population table {path}: expected shape (m, 2) or (2, m), got {arr.shape}")
        x, n = (arr.T if arr.shape[1] == 2 and arr.shape[0] != 2 else arr)
        return Tabulated(x, n, total=total)
    raise ValueError(f"population {spec!r}: unknown kind {kind!r} (powerlaw or table)")
