"""Coordinate pieces the QED processes share (quantum-synchrotron, breit-wheeler, synchrotron): the
log_cube variable L = -ln(1 - w^3), the tail shrink factor, and their C lines (C99 and CUDA alike)."""
from __future__ import annotations

import numpy as np
import torch

#: the smallest 1 - w (and 4 w (1 - w)) the coordinates use: w = 1 maps to a finite value (nu = 690)
#: with finite derivatives, never inf or nan (only w = 1 exactly is affected)
END_FLOOR = 1e-300


def floor(x, lib):
    """max(x, END_FLOOR) for torch or numpy."""
    return lib.clamp(x, min=END_FLOOR) if lib is torch else np.maximum(x, END_FLOOR)


def log_cube(w, *, lib=torch):
    """L = -ln(1 - w^3), from 0 (w = 0, L ~ w^3) to 690 (w = 1, L ~ -ln(3 (1 - w))): -log1p(-w^3) below
    w = 1/2, -ln((1 - w)(1 + w + w^2)) above (1 - w exact there, the product floored at 1e-300);
    shared by ``quantum-synchrotron``, ``breit-wheeler`` and ``synchrotron``. Each branch is finite, with a
    finite gradient, for every w in [0, 1]."""
    low = w <= 0.5
    w3 = lib.where(low, w * w * w, lib.zeros_like(w))
    return lib.where(low, -lib.log1p(-w3), -lib.log(floor((1.0 - w) * (1.0 + w + w * w), lib)))


#: below this x, log1p(x)/x by 1 - x/2 + x^2/3 - x^3/4 (error < 2e-17)
_PHI_SERIES = 1e-4


def log1p_ratio(x, *, lib=torch):
    """phi(x) = log1p(x) / x (1 at x = 0), for x >= 0."""
    small = x < _PHI_SERIES
    xs = lib.where(small, lib.ones_like(x), x)
    return lib.where(small, 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x)), lib.log1p(xs) / xs)


def tail_shrink(L, q, *, lib=torch):
    """1 - phi(L / 2q) / 2, so that L * tail_shrink = L - q ln(1 + L / 2q): for a density whose survival
    function is ~ e^{-v} v^{-q}, v = L - q ln(1 + L/2q) makes it ~ e^{-L} (L / 2q)^q / v^q, nearly
    proportional to e^{-L} ~ 1 - w; the factor lies in [1/2, 1) (v ~ L/2 as L -> 0)."""
    return 1.0 - 0.5 * log1p_ratio(L / (2.0 * q), lib=lib)


