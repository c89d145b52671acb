"""Klein-Nishina scattering of a photon on an electron at rest: closed forms.

Units: photon energies in m_e c^2, in the electron rest frame; cross sections in units of the
Thomson cross section sigma_T = (8 pi / 3) r_e^2.

A photon of energy ``k`` scatters into k' = eps k, with the angle fixed by eps (Compton):

    cos theta = 1 - (1/eps - 1) / k,        eps in [1 / (1 + 2k), 1]
    d sigma / d eps = (pi r_e^2 / k) [1/eps + eps - sin^2 theta]          (Klein & Nishina 1929)

Everything here is written in s = -ln eps, s in [0, S], S = ln(1 + 2k), where the density is

    h(s) = eps d sigma/d eps (k / pi r_e^2) = 1 + e^{-2s} - e^{-s} sin^2 theta,
    sin^2 theta = (t/k) (2 - t/k),   t = e^s - 1 = 1/eps - 1,

which is bounded (3/4 <= h <= 2) and entire in s, and whose antiderivative is closed-form:

    H(s) = Int_0^s h = A(s) - (2/k) B(s) + C(s) / k^2,
    A = s - expm1(-2s)/2,  B = s + expm1(-s),  C = 2 sinh s - 2 s,

with B and C by their power series below s = 1/2 (no cancellation): H is accurate to ~1e-15
relative for every s > 0, down to k = 1e-6 and beyond. The total cross section follows as

    sigma / sigma_T = 3 H(S) / (8 k)

(the textbook form, (3/4)[(1+k)/k^3 (2k(1+k)/(1+2k) - ln(1+2k)) + ln(1+2k)/(2k) - (1+3k)/(1+2k)^2],
loses all digits below k ~ 1e-5 to cancellation; ``sigma_textbook`` keeps it for the tests).
"""
from __future__ import annotations

import math

import numpy as np

from ..float_exact import sum3, two_product

#: below this s the functions B, C (and D of the head-on kernel) use their power series
SERIES_SWITCH = 0.5
#: series terms: the first omitted one is below 1e-24 of the leading term at s = 1/2 (D's coefficients
#: grow as 2^n: 24 terms keep it at 1/25! there)
_N_SERIES = 24
_FACT = np.array([math.factorial(n) for n in range(_N_SERIES + 1)], dtype=np.float64)


def _horner(s, c):
    out = np.zeros_like(s)
    for n in range(_N_SERIES, 0, -1):
        out = (out + c[n]) * s
    return out


def _coefficients(f):
    return np.array([0.0] + [f(n) / _FACT[n] for n in range(1, _N_SERIES + 1)], dtype=np.float64)


#: power-series coefficients (of s^n) of B(s) = s + expm1(-s), C(s) = 2 sinh s - 2 s and
#: D(s) = s + 2 expm1(-s) - expm1(-2s)/2 (= Int_0^s (1 - e^-x)^2 dx, used by the head-on kernel)
_B = _coefficients(lambda n: (-1.0) ** n if n >= 2 else 0.0)
_C = _coefficients(lambda n: 2.0 if n >= 3 and n % 2 else 0.0)
_D = _coefficients(lambda n: (-1.0) ** n * (2.0 - 2.0 ** (n - 1)) if n >= 3 else 0.0)


def _piecewise(s, coeffs, direct):
    """The power series (``coeffs``) below SERIES_SWITCH and ``direct`` above, each evaluated only
    where it is used."""
    s = np.asarray(s, dtype=np.float64)
    out = np.empty_like(s)
    small = s < SERIES_SWITCH
    if small.all():
        return _horner(s, coeffs)
    out[small] = _horner(s[small], coeffs)
    with np.errstate(over="ignore"):
        out[~small] = direct(s[~small])
    return out


def func_b(s):
    """B(s) = s + expm1(-s) = Int_0^s (1 - e^-x) dx >= 0, relative-accurate for s >= 0."""
    return _piecewise(s, _B, lambda x: x + np.expm1(-x))


def func_c(s):
    """C(s) = 2 sinh s - 2 s = Int_0^s (e^x - 2 + e^-x) dx >= 0, relative-accurate for s >= 0."""
    return _piecewise(s, _C, lambda x: np.expm1(x) - np.expm1(-x) - 2.0 * x)


def func_d(s):
    """D(s) = s + 2 expm1(-s) - expm1(-2s)/2 = Int_0^s (1 - e^-x)^2 dx >= 0, relative-accurate."""
    return _piecewise(s, _D, lambda x: x + 2.0 * np.expm1(-x) - 0.5 * np.expm1(-2.0 * x))


def log_range(k):
    """S = ln(1 + 2k): the range of s = -ln eps."""
    return np.log1p(2.0 * np.asarray(k, dtype=np.float64))


def eps_min(k):
    """Smallest eps = k'/k (backscatter), 1 / (1 + 2k)."""
    return 1.0 / (1.0 + 2.0 * np.asarray(k, dtype=np.float64))


def s_of_eps(eps):
    """s = -ln eps, relative-accurate both near eps = 1 (-log1p(eps - 1)) and for small eps."""
    eps = np.asarray(eps, dtype=np.float64)
    return np.where(eps < 0.5, -np.log(np.maximum(eps, 1e-300)), -np.log1p(np.minimum(eps, 1.0) - 1.0))


def lower_span(eps, k):
    """S - s = ln(eps (1 + 2k)) = log1p((eps - 1) + 2 k eps), the product exact
    (``two_product``) and the sum compensated (``sum3``):
    relative-accurate as eps -> eps_min (the exact 1 / (1 + 2k), not its float64 rounding)."""
    eps = np.asarray(eps, dtype=np.float64)
    p, e = two_product(2.0 * np.asarray(k, dtype=np.float64), eps)
    return np.log1p(sum3(eps, -1.0, p) + e)


def sin2_theta(s, k):
    """sin^2 theta of the scattering angle at s = -ln eps (relative-accurate, no 1 - cos^2)."""
    a = np.expm1(s) / k
    return a * (2.0 - a)


def density_s(s, k):
    """h(s) = 1 + e^{-2s} - e^{-s} sin^2 theta (the density in s = -ln eps, unnormalised)."""
    s = np.asarray(s, dtype=np.float64)
    e = np.exp(-s)
    return 1.0 + e * e - e * sin2_theta(s, k)


def antiderivative(s, k):
    """H(s; k) = Int_0^s h(s'; k) ds' (closed form, relative-accurate for s > 0)."""
    s = np.asarray(s, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    a = s - 0.5 * np.expm1(-2.0 * s)
    return a - (2.0 / k) * func_b(s) + func_c(s) / (k * k)


#: below this k, ``total_cross_section`` is its Taylor series (first omitted term < 1e-22 relative)
SIGMA_SERIES_K = 1e-4
#: sigma_KN / sigma_T = 1 - 2k + 26/5 k^2 - 133/10 k^3 + 1144/35 k^4 - 544/7 k^5 + ...
_SIGMA_SERIES = (1.0, -2.0, 26.0 / 5.0, -133.0 / 10.0, 1144.0 / 35.0, -544.0 / 7.0)


def total_cross_section(k):
    """sigma_KN(k) / sigma_T for a photon of energy k [m_e c^2] in the electron rest frame, for every
    k >= 0: 3 H(S) / (8 k), relative-accurate to ~1e-15, and its Taylor series below k = 1e-4 (1 at
    k = 0, the Thomson limit); (3 / 8k)(ln 2k + 1/2) as k -> inf, finite up to k ~ 1e308. The same
    arithmetic as the exported C (zoo/processes/klein_nishina/rates.h, ``rz_kn_sigma``)."""
    k = np.asarray(k, dtype=np.float64)
    small = k < SIGMA_SERIES_K
    ks = np.where(small, 1.0, k)
    with np.errstate(over="ignore"):
        s = log_range(ks)
        a = s - 0.5 * np.expm1(-2.0 * s)
        big = 3.0 * ((a - (2.0 / ks) * func_b(s)) + func_c(s) / ks / ks) / (8.0 * ks)
    kk, series = np.where(small, k, 0.0), np.zeros_like(k)
    for c in reversed(_SIGMA_SERIES):
        series = series * kk + c
    out = np.where(small, series, big)
    return np.where(k >= 0.0, out, np.nan)


def sigma_textbook(k):
    """The textbook closed form of sigma_KN / sigma_T (cancels catastrophically below k ~ 1e-3)."""
    k = np.asarray(k, dtype=np.float64)
    l2 = np.log1p(2.0 * k)
    return 0.75 * ((1.0 + k) / k**3 * (2.0 * k * (1.0 + k) / (1.0 + 2.0 * k) - l2) + l2 / (2.0 * k)
                   - (1.0 + 3.0 * k) / (1.0 + 2.0 * k) ** 2)


#: composite Gauss-Legendre for tail masses: h is entire in s and varies on scales >= ~1, so
#: 16 panels of 16 nodes over spans up to S = ln(1 + 2e6) ~ 14.5 (panels <= 0.91) are exact to
#: rounding
_PANELS, _PANEL_NODES = 16, 16
_GL_T, _GL_W = np.polynomial.legendre.leggauss(_PANEL_NODES)


def composite_gl(func, a, span, *args, panels: int = _PANELS):
    """Int_a^{a + span} func(x, *args) dx by composite Gauss-Legendre (``panels`` x 16 nodes), vectorised
    over a, span and args (broadcast); relative-accurate for a positive integrand and any span >= 0."""
    a, span, *args = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, span, *args)))
    h = span / panels
    centres = a[..., None] + h[..., None] * (np.arange(panels) + 0.5)
    x = centres[..., None] + 0.5 * h[..., None, None] * _GL_T
    vals = func(x, *(v[..., None, None] for v in args))
    return 0.5 * h * (vals * _GL_W).sum(axis=(-1, -2))
