"""Klein-Nishina targets: the scattered photon's energy share eps = k'/k of a photon of energy k
(m_e c^2) on an electron at rest (``klein-nishina``), and, for a linearly polarized photon, eps and
the azimuth phi of the scattered photon from the polarization vector (``klein-nishina-polarized``).
Closed forms in ``physics``; the frame is the electron rest frame.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import torch

from ...targets.base import (DomainExtension, KernelCoordinate, KernelRate, KernelSupport, LINEAR,
                            ParameterSpec, Target,
                            VariableSpec, coordinate_source, header_source, support_source)
from . import physics as P

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")

#: below this CDF the lower-tail mass is integrated directly over [s, S] (relative accuracy)
TAIL_SWITCH = 0.05

K_SPEC = ParameterSpec("k", "m_e c^2", "incident photon energy in the electron rest frame", (1e-8, 1e8))
EPS_SPEC = VariableSpec("eps", "1", "scattered photon energy over incident, k'/k, in [1/(1 + 2k), 1]")


def eps_of_w(w, k, *, lib=torch):
    """The ``log_eps`` coordinate: eps = exp(-(1 - w) S), S = ln(1 + 2k), evaluated from the end w
    is nearer to so that both eps - eps_min (w -> 0) and 1 - eps (w -> 1) keep relative accuracy:
    eps_min (1 + expm1(w S)) below w = 1/2, 1 / (1 + expm1((1 - w) S)) above."""
    S = lib.log1p(2.0 * k)
    lo = 1.0 / (1.0 + 2.0 * k)
    below = lo * (1.0 + lib.expm1(w * S))
    above = 1.0 / (1.0 + lib.expm1((1.0 - w) * S))
    return lib.where(w < 0.5, below, above)


def _kn_emulate_map(w, lo, hi, c, g, t):
    """rz_map_kn_log_eps in numpy: the expm1 in the map type t, the rest in fp64."""
    w = w.astype(t)
    below = lo * (1.0 + np.expm1((w * c[0]).astype(t)).astype(np.float64))
    above = 1.0 / (1.0 + np.expm1(((t(1) - w) * c[0]).astype(t)).astype(np.float64))
    return np.where(w < t(0.5), below, above)


KN_SUPPORT_CUDA = support_source(COORDS, "kn")
KN_LOG_EPS_CUDA = coordinate_source(COORDS, "kn_log_eps")


#: the C of this process's rates (zoo export's radzoo_<model>_rate; tests/test_rates.py)
RATES = Path(__file__).with_name("rates.h")
_KN_RATE_HELPERS = ("rz_kn_func_b", "rz_kn_func_c", "rz_kn_sigma")

#: the total cross section of the scattering this target draws
KN_RATE = KernelRate(
    name="kn_sigma", cuda=header_source(RATES, *_KN_RATE_HELPERS, "rz_rate_kn_sigma"),
    python=lambda params: P.total_cross_section(params["k"]), unit="sigma_T",
    definition="sigma_KN(k) / sigma_T, the total Klein-Nishina cross section of a photon of energy k [m_e c^2] "
               "on an electron at rest (1 in the Thomson limit k -> 0, (3 / 8k)(ln 2k + 1/2) for k >> 1); "
               "a photon crossing electrons of density n_e [cm^-3] scatters at dN/dt = n_e c sigma_T x rate, "
               "sigma_T = 6.6524587321e-25 cm^2, in that frame",
    domain=((0.0, math.inf),))


#: what the network's edge stands for below the trained k (DomainExtension)
THOMSON_LIMIT = ("Thomson limit: in the model's coordinate w = 1 + ln(eps) / ln(1 + 2k) the distribution "
                 "tends to Thomson's (1 - w -> (1 - cos theta) / 2, d sigma ~ 1 + cos^2 theta, the azimuth "
                 "~ 1 - sin^2 theta cos^2 phi) with O(k) corrections, so the network at its lowest trained k "
                 "is the limit; the support keeps the true k. The physical bound 1e-8 is where eps = k'/k "
                 "itself stops resolving 1 - eps ~ k in float64")


class KleinNishina(Target):
    """Energy share eps = k'/k of a photon of energy ``k`` (m_e c^2, electron rest frame)
    Compton-scattered by a free electron at rest: d sigma/d eps ~ 1/eps + eps - sin^2 theta,
    cos theta = 1 - (1/eps - 1)/k. The scattering angle follows from eps (``cos_theta``)."""

    id = "klein-nishina"
    parameters = (K_SPEC,)
    variables = (EPS_SPEC,)
    #: ``log_eps``: -ln eps spaced evenly over [0, ln(1 + 2k)]; the density in -ln eps is between
    #: 3/4 and 2 everywhere (Thomson and Klein-Nishina alike), so the exact map is nearly straight
    coordinates = ("linear", "log_eps")
    log_binning = False
    reference_point = {"k": 1.0}
    kernel_rate = KN_RATE
    #: below the trained k the shape in the ``log_eps`` coordinate is Thomson's up to O(k)
    extensions = (DomainExtension("k", "below", THOMSON_LIMIT),)
    kernel_support = KernelSupport(
        "kn", KN_SUPPORT_CUDA,
        lambda k, p, prev: (P.eps_min(p[0]), np.ones_like(np.asarray(p[0], dtype=np.float64))))
    kernel_coordinates = {
        "linear": LINEAR,
        "log_eps": KernelCoordinate("kn_log_eps", KN_LOG_EPS_CUDA,
                                    emulate_prep=lambda p, prev: ((P.log_range(p[0]),), None),
                                    emulate_map=_kn_emulate_map,
                                    torch=lambda w, lo, hi, params, prev: eps_of_w(w, params["k"])),
    }

    # -- exact distribution --------------------------------------------------------------
    def component_support(self, k, prev, params):
        kk = np.asarray(params["k"], dtype=np.float64)
        return P.eps_min(kk), np.ones_like(kk)

    def torch_support(self, k, prev, params):
        kk = params["k"]
        return 1.0 / (1.0 + 2.0 * kk), torch.ones_like(kk)

    @staticmethod
    def cos_theta(eps, k):
        """Cosine of the photon's scattering angle for energy share eps at energy k (rest frame)."""
        return 1.0 - (1.0 / np.asarray(eps, dtype=np.float64) - 1.0) / k

    def _prepare(self, x, params):
        kk = np.asarray(params["k"], dtype=np.float64)
        x, kk = np.broadcast_arrays(np.asarray(x, dtype=np.float64), kk)
        lo = P.eps_min(kk)
        xs = np.clip(x, lo, 1.0)
        return x, kk, lo, xs

    def component_pdf(self, k, x, prev, params):
        x, kk, lo, xs = self._prepare(x, params)
        s = P.s_of_eps(xs)
        p = P.density_s(s, kk) / xs / P.antiderivative(P.log_range(kk), kk)
        return np.where((x >= lo) & (x <= 1.0), p, 0.0)

    def component_cdf(self, k, x, prev, params):
        """P(eps' <= eps) = Int_s^S h / H(S), s = -ln eps; the lower tail (near eps_min, backscatter)
        is integrated directly over [s, S] (span ln(eps (1 + 2k)) without cancellation)."""
        x, kk, lo, xs = self._prepare(x, params)
        S = P.log_range(kk)
        total = P.antiderivative(S, kk)
        s = P.s_of_eps(xs)
        c = np.array((total - P.antiderivative(s, kk)) / total, dtype=np.float64, ndmin=1).reshape(x.shape)
        tail = (c < TAIL_SWITCH) & (x > lo) & (x < 1.0)
        if np.any(tail):
            span = P.lower_span(xs[tail], kk[tail])
            c[tail] = P.composite_gl(P.density_s, S[tail] - span, span, kk[tail]) / total[tail]
        return np.clip(np.where(x <= lo, 0.0, np.where(x >= 1.0, 1.0, c)), 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        """P(eps' > eps) = H(s) / H(S), s = -ln eps: relative-accurate as eps -> 1."""
        x, kk, lo, xs = self._prepare(x, params)
        sf = P.antiderivative(P.s_of_eps(xs), kk) / P.antiderivative(P.log_range(kk), kk)
        return np.clip(np.where(x <= lo, 1.0, np.where(x >= 1.0, 0.0, sf)), 0.0, 1.0)


TWO_PI = 2.0 * np.pi
#: 2 pi - TWO_PI (the float64 rounding of 2 pi), so that 2 pi - phi keeps relative accuracy near 2 pi
TWO_PI_LO = 2.4492935982947064e-16
#: x - sin x by its power series below this x
_X_SERIES = 0.5
#: 1/n! for the odd n of the series x^3/3! - x^5/5! + ... (12 terms: < 1e-20 relative at x = 1/2)
_INV_ODD_FACT = [1.0 / float(__import__("math").factorial(2 * j + 1)) for j in range(1, 13)]


def x_minus_sin(x):
    """x - sin x >= 0, relative-accurate for x >= 0 (power series below x = 1/2); the float64
    reference (the Kepler coordinate's map has its own form, ``_kepler_x_minus_sin``)."""
    x = np.asarray(x, dtype=np.float64)
    xs = np.minimum(x, _X_SERIES)
    x2 = xs * xs
    acc = np.zeros_like(xs)
    for c in reversed(_INV_ODD_FACT):     # x^3 (1/3! - x^2 (1/5! - x^2 (1/7! - ...)))
        acc = c - x2 * acc
    return np.where(x < _X_SERIES, xs * x2 * acc, x - np.sin(x))


def phi_mass(phi, a_minus_b, b):
    """Int_0^phi (A - B cos^2 p) dp = (A - B) phi + (B/4)(2 phi - sin 2 phi) for phi >= 0: a sum of
    non-negative terms (A >= B >= 0), relative-accurate; pass A - B itself (``azimuth_coefficients``)."""
    phi = np.asarray(phi, dtype=np.float64)
    return a_minus_b * phi + 0.25 * b * x_minus_sin(2.0 * phi)


def azimuth_coefficients(eps, k):
    """(A - B, B) of the azimuthal density A - B cos^2 phi, A = eps + 1/eps, B = 2 sin^2 theta, with
    A - B = (1 - eps)^2 / eps + 2 cos^2 theta (no cancellation near eps = 1, theta = 90 deg)."""
    eps = np.asarray(eps, dtype=np.float64)
    t = (1.0 - eps) / eps          # 1/eps - 1 with 1 - eps exact (Sterbenz): cos theta keeps its digits
    cos_t = (k - t) / k
    b = 2.0 * (t / k) * (2.0 - t / k)
    return (1.0 - eps) ** 2 / eps + 2.0 * cos_t * cos_t, b


#: clamps of the azimuth coordinate's mixing weights (alpha -> 0 only at theta = 90 deg in the Thomson
#: limit, beta -> 0 at theta = 0, pi): they keep c0, c1 finite in fp32 and change no sample
_ALPHA_MIN, _BETA_MIN = 1e-20, 1e-30
HALF_PI = 0.5 * np.pi
#: pi^2 / 6: the x^3 coefficient of 4 C per quarter at e = 1 (x = 2 psi / pi)
PI2_6 = np.pi ** 2 / 6.0


def azimuth_alpha_beta(eps, k, *, lib=np):
    """(alpha, beta) = (1 - e, e), clamped away from 0: the azimuthal density is proportional to
    1 - e cos 2 phi, e = h / (a + h), a = A - B, h = B / 2 (each computed without cancellation)."""
    t = (1.0 - eps) / eps
    cos_t = (k - t) / k
    h = (t / k) * (2.0 - t / k)
    a = (1.0 - eps) ** 2 / eps + 2.0 * cos_t * cos_t
    if lib is np:
        return np.maximum(a / (a + h), _ALPHA_MIN), np.maximum(h / (a + h), _BETA_MIN)
    return (a / (a + h)).clamp_min(_ALPHA_MIN), (h / (a + h)).clamp_min(_BETA_MIN)


def azimuth_cubic_constants(eps, k, *, lib=np):
    """(c0, c1, K) of the ``azimuth_cubic`` coordinate at energy share eps and energy k.

    The conditional CDF of phi is (phi - (e/2) sin 2 phi) / (2 pi) with e = h / (a + h), a = A - B,
    h = B/2 (Kepler's equation in 2 phi); per quarter period, with x = 2 psi / pi, 4 C = (1 - e) x +
    (pi^2/6) e x^3 + O(x^5). The coordinate solves the cubic with exactly these two coefficients,
    alpha x + gamma x^3 = N m, alpha = 1 - e, gamma = (pi^2/6) e, N = alpha + gamma (x = 1 at m = 1),
    so C / w is the same constant in the linear (x << sqrt(alpha/gamma)) and the cubic regime and
    the map u -> w has no transition at u ~ alpha^(3/2) (which moves with eps as theta -> 90 deg).
    Root: x = c0 sinh(asinh(c1 m) / 3), c0 = 2 sqrt(alpha / (3 gamma)), c1 = (3 sqrt 3 / 2) N
    sqrt(gamma) / alpha^(3/2); K = 6 gamma N / (alpha + 3 gamma)^2 bends m so the mirrored quarters
    join with zero curvature, as the exact CDF does at its density maxima."""
    alpha, beta = azimuth_alpha_beta(eps, k, lib=lib)
    gamma = PI2_6 * beta
    norm = alpha + gamma
    c0 = 2.0 * lib.sqrt(alpha / (3.0 * gamma))
    c1 = 2.598076211353316 * norm * lib.sqrt(gamma) / (alpha * lib.sqrt(alpha))
    return c0, c1, 6.0 * gamma * norm / ((alpha + 3.0 * gamma) * (alpha + 3.0 * gamma))


def _fold_quarters(w, *, lib=torch, t=None):
    """(j, odd, r) of the azimuth coordinates: the quarter j = floor(4 w) of [0, 2 pi), mirrored on odd
    j, and r in [0, 1] the distance in quarters from the nearest density minimum. torch, or numpy in
    the map type t (the kernel's emulation)."""
    if t is None:
        s = 4.0 * w
        j = lib.clip(lib.floor(s), 0.0, 3.0)
        odd = (j == 1.0) | (j == 3.0)
        return j, odd, lib.where(odd, (j + 1.0) - s, s - j)
    s = (t(4) * w.astype(t)).astype(t)
    j = np.clip(np.floor(s), 0, 3)
    odd = (j == 1) | (j == 3)
    return j, odd, np.where(odd, (j + 1).astype(t) - s, s - j.astype(t)).astype(t)


def _unfold_quarters(j, odd, psi, *, lib=torch):
    """phi = j pi/2 + psi (j even) or (j + 1) pi/2 - psi (j odd), the offset in fp64 (as the kernel)."""
    if lib is np:
        j = j.astype(np.float64)   # j comes in the map type: (j + 1) pi/2 in fp32 would be off by 1e-7
    return lib.where(odd, (j + 1.0) * HALF_PI - psi, j * HALF_PI + psi)


def azimuth_of_w(w, c0, c1, K, *, lib=torch):
    """The ``azimuth_cubic`` coordinate: w in [0, 1] -> phi in [0, 2 pi].

    The quarter j = floor(4 w) of [0, 2 pi) is mirrored on odd j (the density is symmetric about
    pi/2 and has period pi), r in [0, 1] is the distance from the nearest density minimum in
    quarters, m = r + (K/2) r (1 - r)^2, psi = (pi/2) c0 sinh(asinh(c1 m) / 3) (the cubic's
    root, ``azimuth_cubic_constants``), phi = j pi/2 + psi (j even) or (j + 1) pi/2 - psi (j odd).
    The exact map u -> w is then smooth with dC/dw in [0.65, 2.2] for every e, where the
    ``linear`` coordinate meets cube roots at phi = 0, pi, 2 pi as theta -> 90 deg (Thomson)."""
    j, odd, r = _fold_quarters(w, lib=lib)
    q = 1.0 - r
    m = r + 0.5 * K * r * q * q
    psi = HALF_PI * c0 * sinh_third_asinh(c1 * m, lib=lib)
    return _unfold_quarters(j, odd, psi, lib=lib)


def sinh_third_asinh(z, *, lib=torch):
    """sinh(asinh(z) / 3) for z >= 0: directly up to z = 1, above as (c - 1/c) / 2 with
    c = cbrt(z (1 + sqrt(1 + 1/z^2))) (the fp32 sinh of asinh(z)/3 ~ 14 loses 1e-6 at z ~ 1e18)."""
    if lib is np:
        zs, zb = np.minimum(z, 1.0), np.maximum(z, 1.0)
        c = np.cbrt(zb * (1.0 + np.sqrt(1.0 + 1.0 / (zb * zb))))
        return np.where(z <= 1.0, np.sinh(np.arcsinh(zs) / 3.0), 0.5 * (c - 1.0 / c))
    zs, zb = z.clamp_max(1.0), z.clamp_min(1.0)
    c = (zb * (1.0 + torch.sqrt(1.0 + 1.0 / (zb * zb)))).pow(1.0 / 3.0)
    return torch.where(z <= 1.0, torch.sinh(torch.asinh(zs) / 3.0), 0.5 * (c - 1.0 / c))


def _azimuth_emulate_prep(p, prev):
    c0, c1, K = azimuth_cubic_constants(np.asarray(prev, dtype=np.float64)[:, 0], np.asarray(p[0], dtype=np.float64))
    return (c0, c1), K


def _azimuth_emulate_map(w, lo, hi, c, g, t):
    """rz_map_kn_azimuth in numpy: the map in type t, the final quarter offset in fp64."""
    j, odd, r = _fold_quarters(w, lib=np, t=t)
    q = (t(1) - r).astype(t)
    m = (r + (t(0.5) * np.asarray(g).astype(t)) * r * q * q).astype(t)
    z = (c[1] * m).astype(t)
    zs, zb = np.minimum(z, t(1)), np.maximum(z, t(1))
    cb = np.cbrt((zb * (t(1) + np.sqrt((t(1) + t(1) / (zb * zb)).astype(t)))).astype(t)).astype(t)
    sh = np.where(z <= t(1), np.sinh((np.arcsinh(zs) / t(3)).astype(t)), (t(0.5) * (cb - t(1) / cb)).astype(t))
    psi = (t(HALF_PI) * c[0] * sh.astype(t)).astype(t)
    return _unfold_quarters(j, odd, psi.astype(np.float64), lib=np)


KN_AZIMUTH_CUDA = coordinate_source(COORDS, "kn_azimuth")


#: Newton steps of the ``azimuth_kepler`` coordinate from the cubic's root (max |4 C - r| per
#: quarter in fp64: 0.10 from the cubic alone, 5.9e-3 after one step, 7.8e-5 after two, 3.0e-8 after
#: three, at every e in [0, 1 - 1e-12])
KEPLER_STEPS = 3
#: terms of the x - sin x series in the kernel and its emulation (x^3 .. x^15; below x = 1/2 the
#: first omitted term is < 1e-18 of the sum)
_KEPLER_SERIES = _INV_ODD_FACT[:7]


def azimuth_kepler_constants(eps, k, *, lib=np):
    """(c0, c1, alpha) of the ``azimuth_kepler`` coordinate: the cubic's root (``azimuth_cubic_constants``
    without the bend, K = 0) starts Newton's method on the quarter's Kepler equation; beta = 1 - alpha."""
    alpha, beta = azimuth_alpha_beta(eps, k, lib=lib)
    gamma = PI2_6 * beta
    norm = alpha + gamma
    c0 = 2.0 * lib.sqrt(alpha / (3.0 * gamma))
    c1 = 2.598076211353316 * norm * lib.sqrt(gamma) / (alpha * lib.sqrt(alpha))
    return c0, c1, alpha


def _kernel_sin(x, lib):
    """sin x for x in [0, pi] as the kernel takes it (sinpi(x / pi): no local memory) in numpy, in x's
    type (sinpi correctly rounded); torch.sin for torch."""
    if lib is not np:
        return torch.sin(x)
    t = x.dtype.type
    return np.sin(np.pi * (x * t(1.0 / np.pi)).astype(np.float64)).astype(t)


def _kepler_x_minus_sin(x, lib, series):
    """x - sin x as the Kepler map computes it: torch, or numpy in x's type with the kernel's
    series length and its sin (``x_minus_sin`` is the float64 reference of the target's CDF)."""
    xs = lib.minimum(x, x * 0 + _X_SERIES) if lib is np else x.clamp_max(_X_SERIES)
    x2 = xs * xs
    acc = lib.zeros_like(xs)
    for c in reversed(series):
        acc = c - x2 * acc
    return lib.where(x < _X_SERIES, xs * x2 * acc, x - _kernel_sin(x, lib))


def _kepler_psi(r, c0, c1, alpha, *, lib, series=_INV_ODD_FACT, t=None):
    """psi in [0, pi/2] with alpha psi + (beta/2)(2 psi - sin 2 psi) = (pi/2) r (beta = 1 - alpha):
    the quarter's CDF (from the density minimum) equal to r. numpy in type t, or torch."""
    cast = (lambda v: np.asarray(v).astype(t)) if lib is np else (lambda v: v)
    one, half, hp = (t(1), t(0.5), t(HALF_PI)) if lib is np else (1.0, 0.5, HALF_PI)
    alpha = cast(alpha)
    beta = cast(one - alpha)
    psi = cast(hp * c0 * (sinh_third_asinh(cast(c1 * r), lib=lib)))
    target = cast(hp * r)
    for _ in range(KEPLER_STEPS):
        sn = cast(_kernel_sin(psi, lib))
        f = cast(alpha * psi + half * beta * cast(_kepler_x_minus_sin(cast(psi + psi), lib, series)) - target)
        fp = cast(alpha + (beta + beta) * sn * sn)
        psi = cast(lib.clip(cast(psi - f / fp), 0.0, HALF_PI)) if lib is np else (psi - f / fp).clamp(0.0, HALF_PI)
    return psi


def azimuth_kepler_of_w(w, c0, c1, alpha, *, lib=torch):
    """The ``azimuth_kepler`` coordinate: w in [0, 1] -> phi in [0, 2 pi], the exact inverse CDF of
    the azimuth (to 3e-8 in C, ``KEPLER_STEPS``) at the given eps and k.

    The quarters of [0, 2 pi) are mirrored as in ``azimuth_cubic`` (r the distance in quarters from
    the nearest density minimum); within a quarter the CDF is Kepler's equation in 2 psi,
    4 C = [alpha psi + (beta/2)(2 psi - sin 2 psi)] / (pi/2), solved for 4 C = r by Newton's method
    from the cubic's root (its small-psi expansion, exact as r -> 0, so the tails keep their relative
    accuracy). The network's residual then only corrects 3e-8: the chained model's eps is learned,
    phi given eps is computed (the solution of Kepler's equation is what no MLP beats)."""
    j, odd, r = _fold_quarters(w, lib=lib)
    return _unfold_quarters(j, odd, _kepler_psi(r, c0, c1, alpha, lib=lib), lib=lib)


def _kepler_emulate_prep(p, prev):
    c0, c1, alpha = azimuth_kepler_constants(np.asarray(prev, dtype=np.float64)[:, 0],
                                             np.asarray(p[0], dtype=np.float64))
    return (c0, c1), alpha


def _kepler_emulate_map(w, lo, hi, c, g, t):
    """rz_map_kn_kepler in numpy: the map in type t, the final quarter offset in fp64."""
    j, odd, r = _fold_quarters(w, lib=np, t=t)
    psi = _kepler_psi(r, c[0], c[1], g, lib=np, series=[t(v) for v in _KEPLER_SERIES], t=t)
    return _unfold_quarters(j, odd, psi.astype(np.float64), lib=np)


KN_KEPLER_CUDA = header_source(COORDS, "rz_prep_kn_kepler", "rz_kepler_xms", "rz_map_kn_kepler")


class KleinNishinaPolarized(KleinNishina):
    """Compton scattering of a linearly polarized photon of energy ``k`` (m_e c^2, electron rest
    frame) on an electron at rest: eps = k'/k as ``klein-nishina`` (the marginal is the same), then
    the azimuth phi in [0, 2 pi) of the scattered photon around the incident direction, measured
    from the incident polarization vector, given eps:

        d sigma / d eps d phi ~ eps + 1/eps - 2 sin^2 theta cos^2 phi      (Heitler 1954)

    The scattered photon's own polarization is summed over."""

    id = "klein-nishina-polarized"
    variables = (EPS_SPEC, VariableSpec("phi", "rad", "azimuth of the scattered photon from the incident "
                                        "polarization vector, in [0, 2 pi)"))
    #: eps: as ``klein-nishina``; phi: ``linear`` (2 pi w), ``azimuth_cubic`` (``azimuth_of_w``) or
    #: ``azimuth_kepler`` (``azimuth_kepler_of_w``, the exact inverse CDF)
    coordinates = ("linear", "log_eps", "azimuth_cubic", "azimuth_kepler")
    #: the azimuth coordinates' shared constants (once per kernel, whichever of them a card uses)
    cuda_helpers = header_source(COORDS, "rz_kn_azimuth_root")
    kernel_support = KernelSupport(
        "kn_polarized",
        support_source(COORDS, "kn_polarized"),
        lambda k, p, prev: ((P.eps_min(p[0]), np.ones_like(np.asarray(p[0], dtype=np.float64))) if k == 0 else
                            (np.zeros_like(np.asarray(p[0], dtype=np.float64)),
                             np.full_like(np.asarray(p[0], dtype=np.float64), TWO_PI))))

    kernel_coordinates = {
        "linear": LINEAR,
        # eps's coordinate, for component 0 only
        "log_eps": dataclasses.replace(KleinNishina.kernel_coordinates["log_eps"], components=(0,)),
        "azimuth_cubic": KernelCoordinate("kn_azimuth", KN_AZIMUTH_CUDA, emulate_prep=_azimuth_emulate_prep,
                                          emulate_map=_azimuth_emulate_map, uses_prev=True,
                                          torch=lambda w, lo, hi, params, prev: azimuth_of_w(
                                              w, *azimuth_cubic_constants(prev[..., 0], params["k"], lib=torch)),
                                          components=(1,)),
        "azimuth_kepler": KernelCoordinate("kn_kepler", KN_KEPLER_CUDA, emulate_prep=_kepler_emulate_prep,
                                           emulate_map=_kepler_emulate_map, uses_prev=True,
                                           torch=lambda w, lo, hi, params, prev: azimuth_kepler_of_w(
                                               w, *azimuth_kepler_constants(prev[..., 0], params["k"], lib=torch)),
                                           components=(1,)),
    }

    def component_support(self, k, prev, params):
        if k == 0:
            return super().component_support(k, prev, params)
        kk = np.asarray(params["k"], dtype=np.float64)
        return np.zeros_like(kk), np.full_like(kk, TWO_PI)

    def torch_support(self, k, prev, params):
        if k == 0:
            return super().torch_support(k, prev, params)
        kk = params["k"]
        return torch.zeros_like(kk), torch.full_like(kk, TWO_PI)

    def _phi_prepare(self, x, prev, params):
        kk = np.asarray(params["k"], dtype=np.float64)
        eps = np.asarray(prev, dtype=np.float64)[..., 0]
        x, eps, kk = np.broadcast_arrays(np.asarray(x, dtype=np.float64), eps, kk)
        amb, b = azimuth_coefficients(np.clip(eps, P.eps_min(kk), 1.0), kk)
        total = TWO_PI * (amb + 0.5 * b)
        return x, np.clip(x, 0.0, TWO_PI), amb, b, total

    def component_pdf(self, k, x, prev, params):
        if k == 0:
            return super().component_pdf(k, x, prev, params)
        x, xs, amb, b, total = self._phi_prepare(x, prev, params)
        p = (amb + b * np.sin(xs) ** 2) / total          # A - B cos^2 = (A - B) + B sin^2
        return np.where((x >= 0.0) & (x <= TWO_PI), p, 0.0)

    def component_cdf(self, k, x, prev, params):
        """phi: the closed form ``phi_mass`` over [0, phi] (relative-accurate as phi -> 0)."""
        if k == 0:
            return super().component_cdf(k, x, prev, params)
        x, xs, amb, b, total = self._phi_prepare(x, prev, params)
        c = np.where(xs <= np.pi, phi_mass(xs, amb, b) / total,
                     1.0 - phi_mass((TWO_PI - xs) + TWO_PI_LO, amb, b) / total)
        return np.clip(np.where(x <= 0.0, 0.0, np.where(x >= TWO_PI, 1.0, c)), 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        """phi: by the symmetry phi -> 2 pi - phi, the mass over [0, 2 pi - phi] (relative-accurate)."""
        if k == 0:
            return super().component_sf(k, x, prev, params)
        x, xs, amb, b, total = self._phi_prepare(x, prev, params)
        s = np.where(xs >= np.pi, phi_mass((TWO_PI - xs) + TWO_PI_LO, amb, b) / total,
                     1.0 - phi_mass(xs, amb, b) / total)
        return np.clip(np.where(x <= 0.0, 1.0, np.where(x >= TWO_PI, 0.0, s)), 0.0, 1.0)

