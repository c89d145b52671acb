"""One-dimensional test distribution of the seed paper (eq. 18-20).

    F_theta(x) = [J_1(10 x cos theta) cos(theta x) + 0.6] sin(pi x),   x in [0, 1]
    P_theta(x) = F_theta(x) / M(theta),   M(theta) = ∫_0^1 F_theta(x) dx

F is positive on (0, 1) because |J_1| < 0.59. F is entire with a bandwidth of
about 10 + pi, so a 64-point Gauss-Legendre rule on [0, x] integrates it to
machine precision; the CDF is exact to ~1e-15, relative, also in the lower tail
(the rule integrates over [0, x] itself, no difference of large numbers), and the
survival function integrates over [x, 1] the same way, in y = 1 - x, for the upper tail.
"""
from __future__ import annotations

import numpy as np
from scipy.special import j1

from ...targets.base import ARCSINE, LINEAR, UNIT_SUPPORT, ParameterSpec, Target, VariableSpec, gauss_legendre

_NODES, _WEIGHTS = gauss_legendre(64)


def unnormalised_density(x, theta):
    """F_theta(x) of eq. 18."""
    x = np.asarray(x, dtype=np.float64)
    return (j1(10.0 * x * np.cos(theta)) * np.cos(theta * x) + 0.6) * np.sin(np.pi * x)


def _upper_integral(x, theta):
    """∫_x^1 F_theta(x') dx' by Gauss-Legendre in y = 1 - x' (nodes relative-accurate near 1, and
    sin(pi x') = sin(pi y) without the cancellation of pi x' near pi): relative-accurate down to
    upper tail masses of 1e-12 (issue 23: the [x, 1] nodes of ``_integral`` erred 1e-10 there)."""
    x, theta = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(theta, dtype=np.float64))
    span = 1.0 - x                                        # exact for x >= 1/2 (Sterbenz)
    y = span[..., None] * _NODES
    xp = 1.0 - y
    th = theta[..., None]
    f = (j1(10.0 * xp * np.cos(th)) * np.cos(th * xp) + 0.6) * np.sin(np.pi * y)
    return span * (f * _WEIGHTS).sum(-1)


def _integral(x, theta, a=0.0):
    """∫_a^x F_theta(x') dx' by Gauss-Legendre (vectorised)."""
    x, theta, a = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(theta, dtype=np.float64),
                                      np.asarray(a, dtype=np.float64))
    nodes = a[..., None] + (x - a)[..., None] * _NODES
    return (x - a) * (unnormalised_density(nodes, theta[..., None]) * _WEIGHTS).sum(-1)


class BesselTest(Target):
    """Eq. 18 test distribution on x in [0, 1], shape set by ``theta`` (radians)."""

    id = "bessel-test"
    parameters = (ParameterSpec("theta", "rad", "shape parameter of eq. 18", (0.0, np.pi)),)
    variables = (VariableSpec("x", "1", "sampled variable on [0, 1]"),)
    kernel_support = UNIT_SUPPORT
    #: ``arcsine``: F vanishes linearly at x = 0 and 1 (the sin(pi x) factor), so the exact map is
    #: linear in w in both tails of this coordinate
    coordinates = ("linear", "arcsine")
    kernel_coordinates = {"linear": LINEAR, "arcsine": ARCSINE}

    def component_support(self, k, prev, params):
        theta = np.asarray(params["theta"], dtype=np.float64)
        return np.zeros_like(theta), np.ones_like(theta)

    def normalisation(self, theta):
        """M(theta) of eq. 19."""
        return _integral(1.0, theta)

    def component_pdf(self, k, x, prev, params):
        theta = params["theta"]
        x = np.asarray(x, dtype=np.float64)
        inside = (x >= 0.0) & (x <= 1.0)
        return np.where(inside, unnormalised_density(np.clip(x, 0, 1), theta), 0.0) / self.normalisation(theta)

    def component_cdf(self, k, x, prev, params):
        theta = params["theta"]
        xc = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
        return np.clip(_integral(xc, theta) / self.normalisation(theta), 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        theta = params["theta"]
        xc = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
        return np.clip(_upper_integral(xc, theta) / self.normalisation(theta), 0.0, 1.0)
