"""Inverse Compton scattering of an isotropic, monochromatic photon field.

Outgoing photon energy distribution of an electron of Lorentz factor ``gamma``
scattering photons of energy ``eps0`` (Jones 1968; Blumenthal & Gould 1970; seed
paper eq. 27-29). All energies are in units of m_e c^2.

    b = 4 gamma eps0,     q = eps / (b (gamma - eps)),     q in [q_min, 1]
    dN/deps  ∝  f(q) = 2 q ln q + (1 + 2q)(1 - q) + (b q)^2 (1 - q) / (2 (1 + b q))

The support is eps in [eps0, gamma b / (1 + b)]. The kernel assumes an
ultra-relativistic electron (gamma >> 1, head-on approximation); it is defined down
to gamma = 1 for convenience (the paper's Fig. 5 populations start there) but is
not accurate physics for mildly relativistic electrons.

The CDF is computed in the variable q (eps = gamma b q / (1 + b q)) from a closed
form antiderivative H(q) = ∫_0^q f(q') / (1 + b q')^2 dq', which is exact over the
~20 decades the distribution can span:

* for y = b q <= 0.1 a power series in y (exact, no cancellation, also covers the
  Thomson limit b -> 0 entirely);
* for y > 0.1 the closed form with the dilogarithm Li2(-y), which only loses a
  few digits there.

That difference H(q) - H(q_min) is accurate in absolute terms (~1e-16 of the total),
not relative ones: in the tails (CDF or survival function below ``TAIL_SWITCH``) the
mass is instead integrated directly, over [q_min, q] or [q, 1], by composite
Gauss-Legendre in s = ln q (``tail_mass``), relative-accurate to ~1e-14 (tested against
mpmath at tail masses of 1e-9).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from scipy.special import spence

from ...targets.base import (DomainExtension, KernelCoordinate, KernelRate, KernelSupport, LINEAR, ParameterSpec,
                            Target, VariableSpec,
                            coordinate_source, header_source, support_source)
from ..float_exact import two_product, two_sum

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")

#: series/closed-form switch point in y = b q, and number of series terms
_Y_SWITCH = 0.1
_N_SERIES = 18


def regime_b(gamma, eps0):
    """Klein-Nishina parameter b = 4 gamma eps0 (b << 1: Thomson, b >> 1: KN)."""
    return 4.0 * gamma * eps0


def eps_max(gamma, eps0):
    """Kinematic maximum of the outgoing photon energy, gamma b / (1 + b) [m_e c^2]."""
    b = regime_b(gamma, eps0)
    return gamma * b / (1.0 + b)


def q_of_eps(eps, gamma, eps0):
    """Blumenthal-Gould variable q = eps / (b (gamma - eps))."""
    b = regime_b(gamma, eps0)
    return eps / (b * (gamma - eps))


def eps_of_q(q, gamma, eps0):
    """Inverse of q_of_eps: eps = gamma b q / (1 + b q) [m_e c^2]."""
    b = regime_b(gamma, eps0)
    return gamma * (b * q) / (1.0 + b * q)


def t_of_eps(eps, gamma, eps0, *, lib=np):
    """Coordinate of ``log1p_bq`` as a fraction of its range: (t - t_min) / (1 - t_min), in [0, 1].

    t(q) = ln(1 + b q) / ln(1 + b); works on numpy arrays (``lib=np``) or torch tensors.
    """
    b = regime_b(gamma, eps0)
    ln1pb = lib.log1p(b)
    t = lib.log1p(b * q_of_eps(eps, gamma, eps0)) / ln1pb
    t_min = lib.log1p(b * q_of_eps(eps0, gamma, eps0)) / ln1pb
    return (t - t_min) / (1.0 - t_min)


def eps_of_t(w, gamma, eps0, *, lib=torch):
    """Inverse of ``t_of_eps``: w in [0, 1] -> eps [m_e c^2] (torch by default)."""
    b = regime_b(gamma, eps0)
    ln1pb = lib.log1p(b)
    t_min = lib.log1p(b * q_of_eps(eps0, gamma, eps0)) / ln1pb
    t = t_min + w * (1.0 - t_min)
    bq = lib.expm1(t * ln1pb)           # b q
    return gamma * bq / (1.0 + bq)


def tails_fraction(w, t=None):
    """f = 1 - sqrt(1 - w) without cancellation, w / (1 + sqrt(1 - w)) (coordinate ``log1p_bq_tails``);
    numpy in the float type t (the kernel's rz_map_t), or torch when t is None."""
    if t is None:
        return w / (1.0 + torch.sqrt(1.0 - w))
    return (w / (t(1) + np.sqrt(t(1) - w))).astype(t)


def _emulate_prep_log1p_bq(p, prev):
    """rz_prep_ic_log1p_bq in numpy: (ln(1 + b), t_min), gamma."""
    ln1pb = np.log1p(4.0 * p[0] * p[1])
    return (ln1pb, np.log1p(p[1] / (p[0] - p[1])) / ln1pb), p[0]


def emulated_eps(bq: np.ndarray, g: np.ndarray) -> np.ndarray:
    """gamma bq / (1 + bq) as the kernel's rz_ic_eps: r in bq's dtype, gamma - gamma r in fp64 above bq = 1."""
    r = (bq.dtype.type(1) / (bq.dtype.type(1) + bq)).astype(bq.dtype)
    return np.where(bq < 1, (bq * r).astype(np.float64) * g, g - g * r.astype(np.float64))


def kernel(q, b):
    """Jones / Blumenthal-Gould kernel f(q; b) (eq. 28 without prefactor)."""
    q = np.asarray(q, dtype=np.float64)
    bq = b * q
    with np.errstate(divide="ignore", invalid="ignore"):
        qlnq = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
    return 2.0 * qlnq + (1.0 + 2.0 * q) * (1.0 - q) + 0.5 * bq * bq / (1.0 + bq) * (1.0 - q)


def _antiderivative_series(q, b):
    """H(q) for y = b q <= _Y_SWITCH by term-wise integration of the series in y."""
    q = np.asarray(q, dtype=np.float64)[..., None]
    b = np.asarray(b, dtype=np.float64)[..., None]
    k = np.arange(_N_SERIES, dtype=np.float64)
    y = b * q
    powers = np.cumprod(np.broadcast_to(-y, y.shape[:-1] + (_N_SERIES - 1,)), axis=-1)
    neg_y_k = np.concatenate([np.ones_like(y), powers], axis=-1)  # (-y)^k, k = 0.._N_SERIES-1
    with np.errstate(divide="ignore", invalid="ignore"):
        lnq = np.where(q > 0, np.log(np.where(q > 0, q, 1.0)), 0.0)
    # f(q) / (1+y)^2, terms without the Compton-recoil part: (2 q ln q + 1 + q - 2 q^2) * sum (k+1)(-y)^k
    a_terms = (k + 1) * neg_y_k * (
        2.0 * q * (lnq / (k + 2) - 1.0 / (k + 2) ** 2)
        + 1.0 / (k + 1) + q / (k + 2) - 2.0 * q * q / (k + 3))
    # recoil part (b q)^2 (1 - q) / (2 (1+y)^3), 1/(1+y)^3 = sum (k+1)(k+2)/2 (-y)^k
    c_terms = 0.5 * (k + 1) * (k + 2) * neg_y_k * (1.0 / (k + 3) - q / (k + 4))
    q0 = q[..., 0]
    y0 = y[..., 0]
    return q0 * a_terms.sum(-1) + 0.5 * y0 * y0 * q0 * c_terms.sum(-1)


def _antiderivative_closed(q, b):
    """H(q) in closed form (accurate for y = b q >= _Y_SWITCH)."""
    q = np.asarray(q, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    y = b * q
    s = 1.0 + y
    ln_s = np.log1p(y)
    lnq = np.log(q)
    li2 = spence(s)  # scipy: spence(z) = Li2(1 - z), so spence(1 + y) = Li2(-y)
    y_over_s = y / s
    part_a = (2.0 / b**2) * (lnq * (ln_s - y_over_s) + li2 + ln_s)
    i0 = y_over_s
    i1 = ln_s - y_over_s
    i2 = y - 2.0 * ln_s + y_over_s
    part_b = (i0 + i1 / b - 2.0 * i2 / b**2) / b
    j2 = ln_s + 2.0 / s - 0.5 / s**2 - 1.5
    j3 = s - 3.0 * ln_s - 3.0 / s + 0.5 / s**2 + 1.5
    part_c = (j2 - j3 / b) / (2.0 * b)
    return part_a + part_b + part_c


def antiderivative(q, b):
    """H(q; b) = ∫_0^q f(q'; b) / (1 + b q')^2 dq', vectorised and exact to ~1e-15."""
    q, b = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(b, dtype=np.float64))
    shape = q.shape
    q, b = q.reshape(-1), b.reshape(-1)
    q_switch = _Y_SWITCH / b
    out = np.array(_antiderivative_series(np.minimum(q, q_switch), b), dtype=np.float64)
    above = q > q_switch
    if np.any(above):
        qa, ba, qs = q[above], b[above], q_switch[above]
        out[above] += _antiderivative_closed(qa, ba) - _antiderivative_closed(qs, ba)
    return out.reshape(shape)


def rate_total(gamma, eps0) -> np.ndarray:
    """The total scattering rate [sigma_T c per unit photon number density] for every gamma >= 1 and
    0 <= eps0 < gamma (NaN elsewhere), eps0 = 0 included (q_min = 1 / (4 gamma (gamma - eps0)): no 0/0):
    the rate of model ic-isotropic, the same formula as its exported C (rates.h) and as
    ``zoo.processes.inverse_compton.rates.total_rate`` for eps0 > 0."""
    gamma, eps0 = np.broadcast_arrays(np.asarray(gamma, dtype=np.float64), np.asarray(eps0, dtype=np.float64))
    ok = (gamma >= 1.0) & (eps0 >= 0.0) & (eps0 < gamma)
    g, e = np.where(ok, gamma, 2.0), np.where(ok, eps0, 1.0)
    b = 4.0 * g * e
    q_min = 1.0 / (4.0 * g * (g - e))
    with np.errstate(divide="ignore"):   # b = 0 (eps0 = 0): the series throughout
        h_min, h_1 = antiderivative(np.stack([q_min, np.ones_like(q_min)]), b[None])
    return np.where(ok, 3.0 * (h_1 - h_min), np.nan)


def rate_head_on_total(gamma, eps0) -> np.ndarray:
    """The head-on approximation's total rate 3 H(1; b), b = 4 gamma eps0 [sigma_T c per unit photon number
    density]: ``rate_total`` without its q_min cut, equal to the angle average
    Int_{-1}^{1} (1 - mu)/2 sigma_KN(gamma eps0 (1 - mu)) / sigma_T dmu (the rate of model ic-isotropic-2d,
    the same formula as its exported C); NaN unless gamma >= 1 and eps0 >= 0."""
    gamma, eps0 = np.broadcast_arrays(np.asarray(gamma, dtype=np.float64), np.asarray(eps0, dtype=np.float64))
    ok = (gamma >= 1.0) & (eps0 >= 0.0) & (gamma * eps0 < 1e300)
    b = 4.0 * np.where(ok, gamma, 1.0) * np.where(ok, eps0, 1.0)
    with np.errstate(divide="ignore", over="ignore"):   # b -> 0 and b >~ 1e154: terms that vanish
        (h_1,) = antiderivative(np.ones((1,) + b.shape), b[None])
    return np.where(ok, 3.0 * h_1, np.nan)


#: below this CDF (or survival function) the tail mass is integrated directly (relative accuracy)
TAIL_SWITCH = 0.05
#: composite Gauss-Legendre in s = ln q: panels over [s_a, s_b] and nodes per panel. The
#: integrand q f(q) / (1 + b q)^2 is analytic in s within |Im s| < pi (poles at q = -1/b), so
#: panels of length <= 2 (ln q spans <= 47 on the target's domain) converge like 6^-32.
_PANELS, _PANEL_NODES = 24, 16
_GL_T, _GL_W = np.polynomial.legendre.leggauss(_PANEL_NODES)


def kernel_of_log(s, b):
    """f(q; b) at q = e^s (s = ln q <= 0), with 1 - q = -expm1(s) and q ln q = q s formed without
    cancellation: relative-accurate as q -> 1, where f ~ (1 - q) (1 + b^2 / (2 (1 + b)))."""
    q = np.exp(s)
    one_minus_q = -np.expm1(s)
    bq = b * q
    return 2.0 * q * s + (1.0 + 2.0 * q) * one_minus_q + 0.5 * bq * bq / (1.0 + bq) * one_minus_q


def tail_mass(s_a, span, b):
    """∫ f(q; b) / (1 + b q)^2 dq over ln q in [s_a, s_a + span] (units of ``antiderivative``),
    by composite Gauss-Legendre in s = ln q: relative-accurate for any span >= 0, no cancellation.
    Pass the span itself (computed without cancellation, see ``log_q_spans``), not two logs."""
    s_a, span, b = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (s_a, span, b)))
    h = span / _PANELS
    centres = s_a[..., None] + h[..., None] * (np.arange(_PANELS) + 0.5)          # (..., P)
    s = centres[..., None] + 0.5 * h[..., None, None] * _GL_T                     # (..., P, N)
    q = np.exp(s)
    bb = b[..., None, None]
    integrand = kernel_of_log(s, bb) * q / (1.0 + bb * q) ** 2
    return 0.5 * h * (integrand * _GL_W).sum(axis=(-1, -2))


def one_minus_q_of_eps(eps, gamma, eps0):
    """1 - q(eps) = (b (gamma - eps) - eps) / (b (gamma - eps)), b = 4 gamma eps0, relative-accurate
    for the given float64 eps, gamma, eps0 (taken as exact) up to the kinematic end, where the
    numerator cancels: b and gamma - eps are carried as exact double-double sums and the
    products as exact two-products, so only the final sum and quotient round (issue 23: the
    float64 end eps_max - eps erred by 2e-11..2e-8 relative in the upper tail's mass)."""
    eps, gamma, eps0 = (np.asarray(v, dtype=np.float64) for v in (eps, gamma, eps0))
    b_hi, b_lo = two_product(4.0 * gamma, eps0)                # 4 gamma exact: b = b_hi + b_lo
    d_hi, d_lo = two_sum(gamma, -eps)                       # gamma - eps = d_hi + d_lo
    p, p_lo = two_product(b_hi, d_hi)
    numerator = (p - eps) + (p_lo + b_hi * d_lo + b_lo * d_hi + b_lo * d_lo)
    return numerator / ((b_hi + b_lo) * (d_hi + d_lo))


def log_q_spans(eps, gamma, eps0):
    """(ln q_min, ln(q / q_min), ln q, -ln q) of eps, each without cancellation: the spans of
    the lower tail [q_min, q] and of the upper tail [q, 1] stay relative-accurate as eps
    approaches eps0 or the kinematic maximum."""
    ln_q_min = np.log(q_of_eps(eps0, gamma, eps0))
    lower = np.log1p(gamma * (eps - eps0) / (eps0 * (gamma - eps)))       # q/q_min - 1, exact form
    one_minus_q = one_minus_q_of_eps(eps, gamma, eps0)
    with np.errstate(divide="ignore"):
        upper = -np.log1p(-np.clip(one_minus_q, 0.0, 1.0))
    return ln_q_min, lower, np.log(q_of_eps(eps, gamma, eps0)), upper



def _log_q_torch(w, lo, hi, params, prev):
    """``log_q``: ln q spaced evenly from ln q_min (w = 0) to 0 (w = 1)."""
    gamma, eps0 = params["gamma"], params["eps0"]
    ln_q_min = torch.log(q_of_eps(eps0, gamma, eps0))
    return eps_of_q(torch.exp((1.0 - w) * ln_q_min), gamma, eps0)


def _log1p_bq_torch(w, lo, hi, params, prev):
    """``log1p_bq``: t = ln(1 + b q) / ln(1 + b) spaced evenly from t(q_min) to 1. t is linear in q
    in the Thomson regime (b q << 1, where the q-density is smooth on [0, 1]) and logarithmic in the
    Klein-Nishina regime (b q >> 1, where it goes as 1/q), so the exact inverse CDF is close to a
    straight line in t in every regime."""
    return eps_of_t(w, params["gamma"], params["eps0"])


def _log1p_bq_tails_torch(w, lo, hi, params, prev):
    """``log1p_bq_tails``: ``log1p_bq`` at the fraction 1 - sqrt(1 - w). The q-density vanishes
    linearly at q = 1, so the survival function goes as (1 - t)^2: with this fraction it is linear
    in 1 - w, as the CDF is in w at the lower end, and the exact map is linear in both tails (what
    the ``logit`` u input and sigmoid squash need)."""
    return eps_of_t(tails_fraction(w), params["gamma"], params["eps0"])


#: the C of the total rate (zoo export's radzoo_<model>_rate; tests/test_rates.py)
RATES = Path(__file__).with_name("rates.h")


#: the C helpers of H(q; b) in rates.h that both inverse Compton rates call (in dependency order)
IC_H_HELPERS = ("rz_ic_li2_neg", "rz_ic_h_series", "rz_ic_h_closed", "rz_ic_h")


def _total_rate(params):
    return rate_total(params["gamma"], params["eps0"])


#: the total scattering rate of the electrons these targets describe
IC_RATE = KernelRate(
    name="ic_total",
    cuda=header_source(RATES, *IC_H_HELPERS, "rz_ic_total_rate", "rz_rate_ic_total"),
    python=_total_rate, unit="sigma_T c per unit photon number density",
    definition="R(gamma, eps0) = 3 [H(1; b) - H(q_min; b)], b = 4 gamma eps0: the scattering rate of an electron of "
               "Lorentz factor gamma in an isotropic field of photons of energy eps0 [m_e c^2] (seed paper eq. 28 "
               "integrated over the outgoing energy; head-on approximation, gamma >> 1; 1 in the Thomson limit): "
               "dN/dt = n_ph c sigma_T x R for n_ph photons per cm^3 (sigma_T c = 1.9951e-14 cm^3 s^-1); NaN "
               "unless 0 <= eps0 < gamma",
    domain=((1.0, 1e100), (0.0, 1e100)))


class InverseComptonIsotropic(Target):
    """Outgoing photon energy of IC scattering in an isotropic monochromatic field.

    Parameters: ``gamma`` (electron Lorentz factor, dimensionless) and ``eps0``
    (seed photon energy, m_e c^2). Sampled variable: ``eps`` (m_e c^2).
    """

    id = "inverse-compton-isotropic"
    parameters = (
        ParameterSpec("gamma", "1", "electron Lorentz factor (kernel assumes gamma >> 1)",
                      (1.0, 1e10)),
        ParameterSpec("eps0", "m_e c^2", "seed photon energy (radio seeds down to 1e-20)", (1e-20, 1e-2)),
    )
    #: below the trained eps0: Thomson scaling (the shape depends on gamma and b = 4 gamma eps0 only, and
    #: on b only through O(b) once b << 1, on gamma only through O(1 / gamma^2) once gamma >> 1)
    extensions = (DomainExtension(
        "eps0", "below", "Thomson scaling: below the trained eps0 the network sees eps0 at its edge and gamma' = "
        "max(gamma eps0 / edge, min(gamma, 1e3)), which keeps b = 4 gamma eps0 where gamma' >= 1e3 (the shape in "
        "the model's coordinate then depends on b alone up to O(1 / gamma'^2) <= 1e-6) and otherwise keeps gamma "
        "with b' <= 4e-7 (Thomson, O(b')); the support keeps the true gamma and eps0",
        keep_product_with="gamma", partner_floor=1e3),)
    variables = (VariableSpec("eps", "m_e c^2", "outgoing photon energy"),)
    coordinates = ("linear", "log_q", "log1p_bq", "log1p_bq_tails")
    log_binning = True
    #: the seed paper's section 4.4 reference point (its Fig. 4 JS divergence)
    reference_point = {"gamma": 1e5, "eps0": 10 ** -4.5}
    kernel_rate = IC_RATE
    # the fused kernel's forms (zoo/cuda): support, coordinates, and their numpy emulation
    kernel_support = KernelSupport(
        "ic",
        support_source(COORDS, "ic"),
        lambda k, p, prev: (p[1] * np.ones_like(p[0]), p[0] * (4.0 * p[0] * p[1]) / (1.0 + 4.0 * p[0] * p[1])))
    cuda_helpers = header_source(COORDS, "rz_ic_prep_log1p", "rz_ic_eps")
    kernel_coordinates = {
        "linear": LINEAR,
        "log_q": KernelCoordinate(
            "ic_log_q",
            coordinate_source(COORDS, "ic_log_q"),
            emulate_prep=lambda p, prev: ((np.log(p[1] / (4.0 * p[0] * p[1] * (p[0] - p[1]))), 4.0 * p[0] * p[1]),
                                          p[0]),
            emulate_map=lambda w, lo, hi, c, g, t: emulated_eps((c[1] * np.exp((t(1) - w) * c[0])).astype(t), g),
            torch=_log_q_torch),
        "log1p_bq": KernelCoordinate(
            "ic_log1p_bq",
            coordinate_source(COORDS, "ic_log1p_bq"),
            emulate_prep=_emulate_prep_log1p_bq,
            emulate_map=lambda w, lo, hi, c, g, t: emulated_eps(np.expm1((c[1] + w * (t(1) - c[1])) * c[0]).astype(t),
                                                                g),
            torch=_log1p_bq_torch),
        "log1p_bq_tails": KernelCoordinate(
            "ic_log1p_bq_tails",
            coordinate_source(COORDS, "ic_log1p_bq_tails"),
            emulate_prep=_emulate_prep_log1p_bq,
            emulate_map=lambda w, lo, hi, c, g, t: emulated_eps(
                np.expm1((c[1] + tails_fraction(w.astype(t), t) * (t(1) - c[1])) * c[0]).astype(t), g),
            torch=_log1p_bq_tails_torch),
    }

    def component_support(self, k, prev, params):
        gamma, eps0 = params["gamma"], params["eps0"]
        return eps0 * np.ones_like(gamma), eps_max(gamma, eps0)

    def torch_support(self, k, prev, params):
        gamma, eps0 = params["gamma"], params["eps0"]
        return eps0 * torch.ones_like(gamma), eps_max(gamma, eps0)

    def _q_range(self, gamma, eps0):
        b = regime_b(gamma, eps0)
        return b, q_of_eps(eps0, gamma, eps0)

    def normalisation(self, gamma, eps0):
        """∫ f(q) deps over the support = gamma b (H(1) - H(q_min)) [m_e c^2]."""
        b, q_min = self._q_range(gamma, eps0)
        h_min, h_1 = antiderivative(np.stack(np.broadcast_arrays(q_min, 1.0)), b)
        return gamma * b * (h_1 - h_min)

    def component_pdf(self, k, x, prev, params):
        gamma, eps0 = np.asarray(params["gamma"]), np.asarray(params["eps0"])
        x, gamma, eps0 = np.broadcast_arrays(np.asarray(x, dtype=np.float64), gamma, eps0)
        lo, hi = eps0, eps_max(gamma, eps0)
        inside = (x >= lo) & (x <= hi)
        xs = np.where(inside, x, lo)
        b = regime_b(gamma, eps0)
        f = kernel(q_of_eps(xs, gamma, eps0), b)
        return np.where(inside, np.maximum(f, 0.0) / self.normalisation(gamma, eps0), 0.0)

    def component_cdf(self, k, x, prev, params):
        gamma, eps0 = np.asarray(params["gamma"]), np.asarray(params["eps0"])
        x, gamma, eps0 = np.broadcast_arrays(np.asarray(x, dtype=np.float64), gamma, eps0)
        b, q_min = self._q_range(gamma, eps0)
        hi = eps_max(gamma, eps0)
        xs = np.clip(x, eps0, hi)
        q = np.clip(q_of_eps(xs, gamma, eps0), q_min, 1.0)
        h_q, h_min, h_1 = antiderivative(np.stack([q, q_min, np.ones_like(q)]), b[None])
        c = np.array((h_q - h_min) / (h_1 - h_min), dtype=np.float64, ndmin=1).reshape(x.shape)
        tail = (c < TAIL_SWITCH) & (x > eps0) & (x < hi)
        if np.any(tail):  # relative accuracy in the lower tail: integrate [q_min, q] directly
            ln_qm, lower, _, _ = log_q_spans(x[tail], gamma[tail], eps0[tail])
            bt = b[tail]
            c[tail] = tail_mass(ln_qm, lower, bt) / tail_mass(ln_qm, -ln_qm, bt)
        c = np.where(x <= eps0, 0.0, np.where(x >= hi, 1.0, c))
        return np.clip(c, 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        """1 - C(eps), relative-accurate in the upper tail (integrated over [q, 1] there)."""
        gamma, eps0 = np.asarray(params["gamma"]), np.asarray(params["eps0"])
        x, gamma, eps0 = np.broadcast_arrays(np.asarray(x, dtype=np.float64), gamma, eps0)
        sf = np.array(1.0 - self.component_cdf(k, x, prev, params), dtype=np.float64).reshape(x.shape)
        b, q_min = self._q_range(gamma, eps0)
        hi = eps_max(gamma, eps0)
        tail = (sf < TAIL_SWITCH) & (x > eps0) & (x < hi)
        if np.any(tail):
            ln_qm, _, ln_q, upper = log_q_spans(x[tail], gamma[tail], eps0[tail])
            bt = b[tail]
            sf[tail] = tail_mass(-upper, upper, bt) / tail_mass(ln_qm, -ln_qm, bt)
        return np.clip(np.where(x >= hi, 0.0, np.where(x <= eps0, 1.0, sf)), 0.0, 1.0)
