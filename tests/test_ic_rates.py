"""Total IC scattering rate (integral of eq. 28) against mpmath quadrature and known limits."""
import math

import mpmath as mp
import numpy as np
import pytest
from scipy.integrate import quad

from zoo.processes.inverse_compton.rates import SIGMA_T_OVER_R0SQ, gamma_threshold, rate_density, total_rate
from zoo.processes.inverse_compton.isotropic import eps_max

mp.mp.dps = 30


def rate_quad(gamma, eps0):
    """3 / (4 gamma^2 eps0) ∫ f(q(eps)) deps over [eps0, eps_max], adaptive quadrature in ln eps (mpmath)."""
    g, e0 = mp.mpf(gamma), mp.mpf(eps0)
    b = 4 * g * e0
    e_hi = g * b / (1 + b)

    def integrand(t):
        e = mp.e ** t
        q = e / (b * (g - e))
        return (2 * q * mp.log(q) + (1 + 2 * q) * (1 - q) + (b * q) ** 2 / (2 * (1 + b * q)) * (1 - q)) * e

    lo, hi = mp.log(e0), mp.log(e_hi)
    inner = [p for p in (mp.log(g / (1 + b)) - 3, mp.log(e_hi / 2), hi - 1) if lo < p < hi]
    return float(3 / (4 * g * g * e0) * mp.quad(integrand, [lo, *sorted(inner), hi]))


@pytest.mark.parametrize("gamma,eps0", [
    (1e3, 1e-10),      # deep Thomson, b = 4e-7
    (1e7, 1e-9),       # Thomson, b = 0.04 (series branch of H)
    (30.0, 1e-3),      # b = 0.12, across the series/closed-form switch
    (1e5, 10**-4.5),   # paper's reference point, b ~ 12.6
    (1e9, 1e-6),       # Klein-Nishina, b = 4e3
    (1e10, 1e-2),      # extreme Klein-Nishina, b = 4e8
    (1.0, 1e-10),      # gamma = 1 edge (support truncated at q_min = 1/4)
    (2.0, 1e-2),
])
def test_total_rate_matches_mpmath(gamma, eps0):
    assert total_rate(gamma, eps0) == pytest.approx(rate_quad(gamma, eps0), rel=1e-9, abs=0)


def test_total_rate_limits_and_broadcasting():
    # Thomson: R -> 1 (sigma_T c per unit photon density) up to O(b) and the q_min truncation
    assert total_rate(1e4, 1e-12) == pytest.approx(1.0, abs=1e-7)
    # Klein-Nishina: R falls like ln(b) / b
    r = total_rate(np.array([1e8, 1e9]), 1e-2)
    assert r[1] < r[0] / 8
    g = np.logspace(0, 10, 7)[:, None]
    e = np.logspace(-10, -2, 5)[None, :]
    grid = total_rate(g, e)
    assert grid.shape == (7, 5)
    assert grid[3, 2] == total_rate(g[3, 0], e[0, 2])
    assert SIGMA_T_OVER_R0SQ == pytest.approx(8 * math.pi / 3)


@pytest.mark.parametrize("gamma,eps0", [(1e4, 1e-8), (1e6, 1e-4), (1e9, 1e-3)])
def test_rate_density_integrates_to_total_rate(gamma, eps0):
    lo, hi = eps0, float(eps_max(gamma, eps0))
    pts = np.linspace(math.log(lo), math.log(hi), 40)
    val = sum(quad(lambda t: float(rate_density(math.exp(t), gamma, eps0)) * math.exp(t), a, b,
                   epsabs=0, epsrel=1e-12)[0] for a, b in zip(pts[:-1], pts[1:]))
    assert val == pytest.approx(total_rate(gamma, eps0), rel=1e-8)
    assert rate_density(lo * 0.999, gamma, eps0) == 0.0 and rate_density(hi * 1.001, gamma, eps0) == 0.0
    # eq. 28's prefactor: 2 pi r0^2 c / (gamma^2 eps0) = sigma_T c * 3 / (4 gamma^2 eps0); f(q_min) ~ 1
    assert rate_density(eps0 * 1.0000001, gamma, eps0) == pytest.approx(0.75 / (gamma**2 * eps0), rel=1e-3)


def test_gamma_threshold_is_the_kinematic_edge():
    eps = np.array([1e-3, 1.0, 1e4, 1e8])
    eps0 = np.array([1e-6, 1e-4, 1e-3, 1e-9])
    g = gamma_threshold(eps, eps0)
    np.testing.assert_allclose(eps_max(g, eps0), eps, rtol=1e-12)
