"""Exact targets against independent references (mpmath quadrature, known limits)."""
import math

import mpmath as mp
import numpy as np
import pytest
import torch

from zoo.targets import get_target, torch_component_cdf
from zoo.processes.inverse_compton.isotropic import (_Y_SWITCH, _antiderivative_closed, _antiderivative_series,
                                         antiderivative, eps_of_q, kernel, q_of_eps)

mp.mp.dps = 30
IC = get_target("inverse-compton-isotropic")
BESSEL = get_target("bessel-test")
GAUSS = get_target("gaussian-2d")


def ic_cdf_quad(eps, gamma, eps0):
    """Reference: adaptive quadrature of the kernel in ln q (mpmath, 30 digits)."""
    b = mp.mpf(4) * gamma * eps0
    g = mp.mpf(gamma)

    def integrand(t):
        q = mp.e ** t
        f = 2 * q * t + (1 + 2 * q) * (1 - q) + (b * q) ** 2 / (2 * (1 + b * q)) * (1 - q)
        return f * q / (1 + b * q) ** 2

    def qof(e):
        e = mp.mpf(e)
        return e / (b * (g - e))

    t_min = mp.log(qof(eps0))
    breaks = sorted({t_min, *[x for x in (-mp.log(b) - 3, -mp.log(b), -mp.log(b) + 3) if t_min < x < 0], mp.mpf(0)})

    def integral(t_hi):
        pts = [p for p in breaks if p < t_hi] + [t_hi]
        return mp.quad(integrand, pts)

    return float(integral(mp.log(qof(eps))) / integral(mp.mpf(0)))


@pytest.mark.parametrize("gamma,eps0", [
    (1e10, 1e-10),   # Thomson, b = 4, but 20 decades of support
    (1e3, 1e-10),    # deep Thomson, b = 4e-7
    (1.0, 1e-10),    # gamma = 1 edge, b = 4e-10
    (1e5, 10**-4.5), # paper's reference point, b ~ 12.6
    (1e10, 1e-2),    # extreme Klein-Nishina, b = 4e8
    (30.0, 1e-3),    # b = 0.12, straddles the series/closed-form switch
])
def test_ic_cdf_matches_quadrature(gamma, eps0):
    lo, hi = IC.support(gamma=gamma, eps0=eps0)
    q_min = float(q_of_eps(lo, gamma, eps0))
    # points spread in ln q over the whole support, plus points near both ends
    qs = np.exp(np.linspace(math.log(q_min), 0.0, 9))[1:-1]
    eps = np.concatenate([eps_of_q(qs, gamma, eps0), [lo * (1 + 1e-6), hi * (1 - 1e-9)]])
    ours = IC.cdf(eps, gamma=gamma, eps0=eps0)
    ref = np.array([ic_cdf_quad(e, gamma, eps0) for e in eps])
    assert np.max(np.abs(ours - ref)) <= 1e-9
    # relative accuracy in the lower tail, where the CDF is tiny
    assert abs(ours[-2] - ref[-2]) <= 1e-9 * ref[-2] + 1e-300


def test_ic_thomson_limit_normalisation():
    # b -> 0: H(1) = ∫0^1 (2 q ln q + 1 + q - 2 q^2) dq = 1/3 exactly
    assert abs(antiderivative(1.0, 1e-12) - 1.0 / 3.0) < 1e-12


def test_ic_series_and_closed_form_agree_at_switch():
    for b in (0.5, 10.0, 1e4, 1e8):
        q = _Y_SWITCH / b * np.array([0.5, 0.8, 1.0])
        series = _antiderivative_series(q, b)
        closed = _antiderivative_closed(q, b)
        # both are antiderivatives with H(0) = 0: they must agree where the series converges
        assert np.allclose(series, closed, rtol=1e-10, atol=0)


def test_ic_pdf_integrates_to_one_and_matches_cdf_derivative():
    for gamma, eps0 in [(1e5, 10**-4.5), (1e9, 1e-9), (10.0, 1e-6)]:
        lo, hi = IC.support(gamma=gamma, eps0=eps0)
        t = np.linspace(math.log(lo), math.log(hi), 200001)
        x = np.exp(t)
        total = np.trapezoid(IC.pdf(x, gamma=gamma, eps0=eps0) * x, t)
        assert abs(total - 1.0) < 1e-6
        xm = np.sqrt(lo * hi)
        h = xm * 1e-6
        deriv = (IC.cdf(xm + h, gamma=gamma, eps0=eps0) - IC.cdf(xm - h, gamma=gamma, eps0=eps0)) / (2 * h)
        assert deriv == pytest.approx(IC.pdf(xm, gamma=gamma, eps0=eps0), rel=1e-5)


def test_ic_cdf_ends_and_monotone():
    g, e = 1e7, 1e-5
    lo, hi = IC.support(gamma=g, eps0=e)
    assert IC.cdf(lo, gamma=g, eps0=e) == 0.0
    assert IC.cdf(hi, gamma=g, eps0=e) == 1.0
    assert IC.cdf(lo / 2, gamma=g, eps0=e) == 0.0 and IC.cdf(hi * 2, gamma=g, eps0=e) == 1.0
    x = np.logspace(math.log10(lo), math.log10(hi), 10001)
    assert np.all(np.diff(IC.cdf(x, gamma=g, eps0=e)) >= 0)
    assert hi == pytest.approx(g * 4 * g * e / (1 + 4 * g * e))


def test_ic_kernel_nonnegative():
    q = np.linspace(1e-9, 1, 100001)
    for b in (1e-9, 1.0, 1e8):
        assert np.all(kernel(q, b) >= -1e-15)


def bessel_cdf_quad(x, theta):
    def F(t):
        return (mp.besselj(1, 10 * t * mp.cos(theta)) * mp.cos(theta * t) + mp.mpf("0.6")) * mp.sin(mp.pi * t)

    return float(mp.quad(F, mp.linspace(0, x, 6)) / mp.quad(F, mp.linspace(0, 1, 11)))


@pytest.mark.parametrize("theta", [0.0, 0.7, 1.5707963, 2.9, math.pi])
def test_bessel_cdf_matches_quadrature(theta):
    xs = np.array([0.0, 0.05, 0.3, 0.5, 0.77, 0.99, 1.0])
    ours = BESSEL.cdf(xs, theta=theta)
    ref = np.array([bessel_cdf_quad(x, theta) for x in xs])
    assert np.max(np.abs(ours - ref)) <= 1e-9


def test_gaussian_marginal_and_conditional_match_quadrature():
    def dens(t):
        return mp.e ** (-8 * (t - mp.mpf(1) / 2) ** 2)

    norm = mp.quad(dens, [0, 1])
    for x in (0.0, 0.1, 0.5, 0.83, 1.0):
        ref = float(mp.quad(dens, [0, x]) / norm)
        assert abs(GAUSS.marginal_cdf(x) - ref) <= 1e-12
        assert abs(GAUSS.conditional_cdf(x, 0.3) - ref) <= 1e-12
    assert GAUSS.cdf(np.array([1.0, 1.0])) == pytest.approx(1.0, abs=1e-15)
    xy = np.array([0.4, 0.7])
    # joint pdf normalised on the square: compare with the unnormalised form
    assert GAUSS.pdf(xy) == pytest.approx(float(dens(0.4) * dens(0.7) / norm**2), rel=1e-12)


def test_torch_cdf_gradient_is_the_pdf():
    x = torch.tensor([0.1, 0.4, 0.9], dtype=torch.float64, requires_grad=True)
    theta = torch.tensor(1.2, dtype=torch.float64)
    c = torch_component_cdf(BESSEL, 0, x, None, {"theta": theta})
    c.sum().backward()
    assert torch.allclose(x.grad, torch.as_tensor(BESSEL.pdf(x.detach().numpy(), theta=1.2)), rtol=1e-12)
    assert torch.autograd.gradcheck(lambda t: torch_component_cdf(BESSEL, 0, t, None, {"theta": theta}),
                                    (x.detach().clone().requires_grad_(True),), eps=1e-6, atol=1e-6)


def test_target_domain_errors_name_the_parameter():
    with pytest.raises(ValueError, match="gamma.*\\[1, 1e\\+10\\]"):
        IC.check_parameters({"gamma": np.array([0.5]), "eps0": np.array([1e-5])})
    with pytest.raises(ValueError, match="unknown target"):
        get_target("nope")
