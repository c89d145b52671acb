"""Table-lookup primitives of the QED particle-in-cell codes (Smilei, PICSAR-QED), emulated in numpy:
the searches and interpolation their samplers share, used by the quantum-synchrotron, breit-wheeler
and synchrotron baselines (each process's ``baselines`` module holds its own table layouts)."""
from __future__ import annotations

import numpy as np

#: the most negative float64, PICSAR's stand-in for ln 0 (``numeric_limits::lowest``)
LOWEST = -np.finfo(np.float64).max


def as1d(x, n=None):
    """x as a flat float64 array (broadcast to n values when n is given)."""
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(-1) if n is None else np.broadcast_to(x, (n,)).astype(np.float64)


def smilei_search(table: np.ndarray, rows: np.ndarray, elem: np.ndarray) -> np.ndarray:
    """Smilei's ``searchValuesInMonotonicArray`` on row ``rows[k]`` of ``table`` for each ``elem[k]``:
    0 if elem equals the first value, n - 2 if it equals the last, else the bisection's lower index
    (elem >= array[mid] moves it up)."""
    n = table.shape[1]
    imin = np.zeros(elem.shape, dtype=np.int64)
    imax = np.full(elem.shape, n - 1, dtype=np.int64)
    while True:
        active = imax - imin > 1
        if not active.any():
            break
        mid = (imin + imax) // 2
        up = elem >= table[rows, mid]
        imin = np.where(active & up, mid, imin)
        imax = np.where(active & ~up, mid, imax)
    out = np.where(elem == table[rows, n - 1], n - 2, imin)
    return np.where(elem == table[rows, 0], 0, out)


def picsar_bound(probe, last: int, val: np.ndarray, upper: bool) -> np.ndarray:
    """PICSAR's ``picsar_lower_bound_functor`` (first i in [0, last) with probe(i) >= val, ``upper`` False)
    or ``picsar_upper_bound_functor`` (probe(i) > val); ``last`` if none. The same do-while bisection."""
    first = np.zeros(val.shape, dtype=np.int64)
    count = np.full(val.shape, last, dtype=np.int64)
    while True:
        active = count > 0
        if not active.any():
            break
        step = count // 2
        i = np.minimum(first + step, last - 1)
        f = probe(i)
        go = (f <= val) if upper else (f < val)      # !(val < f)  /  !(val <= f)
        first = np.where(active & go, i + 1, first)
        count = np.where(active, np.where(go, count - step - 1, step), count)
    return first


def linear_interp(x0, x1, f0, f1, x):
    """PICSAR's ``linear_interp``: ((x1 - x) f0 + (x - x0) f1) / (x1 - x0)."""
    return ((x1 - x) * f0 + (x - x0) * f1) / (x1 - x0)


def threshold_search(cdf_of_log10, start: np.ndarray, threshold: float, power: int) -> np.ndarray:
    """The codes' table generators' search for the lowest node: from ``start`` (log10), step down by
    1, 0.1, ... (``power`` stages) while cdf_of_log10(value) >= threshold, stepping back when it drops
    below. Vectorised over rows (the rows step together, each stops on its own)."""
    val = np.array(start, dtype=np.float64)
    for k in range(power):
        step = 0.1 ** k
        active = np.ones(val.shape, dtype=bool)
        while active.any():
            trial = val[active] - step
            ok = cdf_of_log10(trial, active) >= threshold
            idx = np.flatnonzero(active)
            val[idx[ok]] = trial[ok]
            active[idx[~ok]] = False
    return val
