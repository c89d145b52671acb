"""Two-dimensional Gaussian of the seed paper (eq. 22) on the unit square.

    P(x1, x2) ∝ exp(-8 [(x1 - 1/2)^2 + (x2 - 1/2)^2]),   (x1, x2) in [0, 1]^2

i.e. a product of two normals of mean 1/2 and standard deviation 1/4, each
truncated to [0, 1] and normalised on the square. The marginal CDF of x1 (eq. 10)
and the conditional CDF of x2 given x1 (eq. 13) are closed forms with the normal
CDF; the factorisation means the conditional does not depend on x1, which the
network must still learn (it sees x1 as an input, eq. 16).
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ...targets.base import UNIT_SUPPORT, Target, VariableSpec, gauss_legendre

MEAN = 0.5
SIGMA = 0.25
_PHI_LO = ndtr((0.0 - MEAN) / SIGMA)
_MASS = ndtr((1.0 - MEAN) / SIGMA) - _PHI_LO


def _pdf_1d(x):
    x = np.asarray(x, dtype=np.float64)
    inside = (x >= 0.0) & (x <= 1.0)
    z = (x - MEAN) / SIGMA
    return np.where(inside, np.exp(-0.5 * z * z) / (SIGMA * np.sqrt(2 * np.pi) * _MASS), 0.0)


#: below this x the CDF is integrated directly (32-point Gauss-Legendre on [0, x]: the pdf is
#: entire, so the rule is exact to rounding and relative-accurate however small the mass);
#: the difference of normal CDFs above it is accurate in absolute terms only
_TAIL_X = 0.25
_GL_T, _GL_W = gauss_legendre(32)


def _cdf_1d(x):
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    c = np.clip((ndtr((x - MEAN) / SIGMA) - _PHI_LO) / _MASS, 0.0, 1.0)
    tail = x < _TAIL_X
    if np.any(tail):
        xt = x[tail] if x.ndim else x
        direct = xt * (_pdf_1d(xt[..., None] * _GL_T) * _GL_W).sum(-1)
        if x.ndim:
            c = np.array(c)
            c[tail] = direct
        else:
            c = direct
    return c


class Gaussian2D(Target):
    """Eq. 22 on the unit square; no physical parameters."""

    id = "gaussian-2d"
    parameters = ()
    variables = (VariableSpec("x1", "1", "first coordinate"),
                 VariableSpec("x2", "1", "second coordinate"))
    kernel_support = UNIT_SUPPORT

    def component_support(self, k, prev, params):
        return np.float64(0.0), np.float64(1.0)

    def component_pdf(self, k, x, prev, params):
        """Marginal pdf of x1 (k = 0) or conditional pdf of x2 given x1 (k = 1)."""
        return _pdf_1d(x)

    def component_cdf(self, k, x, prev, params):
        """Marginal C_A(x1) (eq. 10) or conditional C_B(x2 | x1) (eq. 13)."""
        return _cdf_1d(x)

    def component_sf(self, k, x, prev, params):
        """1 - C, relative-accurate in the upper tail: the density is symmetric about 1/2."""
        return _cdf_1d(1.0 - np.asarray(x, dtype=np.float64))

    def pdf(self, x):
        """Joint pdf P(x1, x2), x of shape (..., 2)."""
        x = np.asarray(x, dtype=np.float64)
        return _pdf_1d(x[..., 0]) * _pdf_1d(x[..., 1])

    def cdf(self, x):
        """Joint CDF P(X1 <= x1, X2 <= x2), x of shape (..., 2)."""
        x = np.asarray(x, dtype=np.float64)
        return _cdf_1d(x[..., 0]) * _cdf_1d(x[..., 1])

    def marginal_cdf(self, x1):
        """C_A(x1), eq. 10."""
        return _cdf_1d(x1)

    def conditional_cdf(self, x2, x1):
        """C_B(x2 | x1), eq. 13."""
        return _cdf_1d(x2) * np.ones_like(np.asarray(x1, dtype=np.float64))
