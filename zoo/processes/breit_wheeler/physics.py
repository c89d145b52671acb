"""Nonlinear Breit-Wheeler pair creation (LCFA): a photon of quantum parameter chi_gamma decays into
an electron (chi_-) and a positron (chi_+ = chi_gamma - chi_-); f = chi_- / chi_gamma in (0, 1).

All quantities dimensionless. With X = (chi_gamma / (chi_- chi_+))^{2/3} the pair spectrum (Ritus;
Baier & Katkov; the form of PICSAR-QED) is

    d^2N_pair / (dt dchi_-) = (alpha m c^2 / hbar) (m c^2 / (hbar omega)) (1 / (pi sqrt 3 chi_gamma)) F,
    F = Int_X^inf sqrt(s) K_{1/3}(2 s^{3/2}/3) ds - (2 - chi_gamma X^{3/2}) K_{2/3}(2 X^{3/2}/3),

    dN_pair/dt = (alpha m c^2 / hbar) (m c^2 / (hbar omega)) chi_gamma T(chi_gamma),
    T(chi) = (1 / (pi sqrt 3 chi^2)) Int_0^chi F dchi_- = (1 / (pi sqrt 3 chi)) Int_0^1 F(f) df

(PICSAR-QED's normalisation: T(1.623777) = 0.03742921 and T(11.28838) = 0.1088413 are reproduced to
< 3e-7, the quoted digits). With z = 2 X^{3/2}/3 = 2 / (3 chi f (1 - f)) (so chi X^{3/2} = 1/(f(1 - f))
and Int_X^inf sqrt(s) K_{1/3}(2 s^{3/2}/3) ds = Int_z^inf K_{1/3}) the bracket is

    F(f) = Int_z^inf K_{1/3} + (f/(1 - f) + (1 - f)/f) K_{2/3}(z)   (> 0),

symmetric about f = 1/2, where z is smallest, z0 = 8 / (3 chi): for small chi the density is a
peak of width ~ sqrt(3 chi / 32) around 1/2, exponentially small (~ e^{-z}) as f -> 0, 1.

Asymptotes of T (Laplace's method; Mellin transforms; tests/test_qed.py checks the approach):

    chi -> 0:    T = (3/16) sqrt(3/2) e^{-8/(3 chi)} [1 - (11/64) chi + O(chi^2)]
                 (the leading term is Erber's (1966); the correction comes from the next terms of the
                 Bessel asymptotics and of the Gaussian integral around f = 1/2)
    chi -> inf:  T = T_INF chi^{-1/3} - 2 / (3 chi) + O(chi^{-5/3}),
                 T_INF = 2 (3/2)^{2/3} 2^{-1/3} Gamma(2/3) B(8/3, 2/3) / (pi sqrt 3) = 0.379612...

Numerics: in sigma = z - z0 = (2 / (3 chi)) (1 - 2f)^2 / (f (1 - f)) (no cancellation; f <= 1/2),
f = (z0 / (2z)) / (1 + sqrt(sigma / z)), and df = -z0 dsigma / (4 z^{3/2} sqrt(sigma)), so

    Int_0^f F = Int_sigma^inf g,   g(sigma) = F(z0 + sigma) z0 / (4 z^{3/2} sqrt(sigma))   (~ sigma^{-1/2} at 0),

integrated by ``qed_functions.SoftplusQuadrature`` (relative-accurate in both of its tails, with the
e^z-scaled Bessel functions: nothing underflows for small chi). By the symmetry f -> 1 - f the
upper tail is the lower one at 1 - f (exact in float64 for f >= 1/2).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import beta as _beta
from scipy.special import gamma as _gamma

from ..qed_functions import SoftplusQuadrature, bessel_set

#: T ~ T_ZERO e^{-8/(3 chi)} (1 + T_ZERO_1 chi) as chi -> 0
T_ZERO = 3.0 / 16.0 * math.sqrt(1.5)
T_ZERO_1 = -11.0 / 64.0
#: T ~ T_INF chi^{-1/3} + T_INF_1 / chi as chi -> inf
T_INF = (2.0 * 1.5 ** (2.0 / 3.0) * 2.0 ** (-1.0 / 3.0) * _gamma(2.0 / 3.0) * _beta(8.0 / 3.0, 2.0 / 3.0)
         / (math.pi * math.sqrt(3.0)))
T_INF_1 = -2.0 / 3.0


def z_min(chi):
    """z0 = 8 / (3 chi), the smallest z = 2 / (3 chi f (1 - f)) (at f = 1/2)."""
    return 8.0 / (3.0 * np.asarray(chi, dtype=np.float64))


def sigma_of_f(f, chi):
    """sigma = z - z0 = (2 / (3 chi)) (1 - 2f)^2 / (f (1 - f)), for f in (0, 1) (inf at 0 and 1)."""
    f = np.asarray(f, dtype=np.float64)
    g = np.minimum(f, 1.0 - f)
    with np.errstate(divide="ignore"):
        return (2.0 / (3.0 * np.asarray(chi, dtype=np.float64))) * (1.0 - 2.0 * g) ** 2 / (g * (1.0 - g))


def _scaled_density(sigma, z0, k13e, k23e, ik13e):
    """e^{z} F(z) z0 / (4 z^{3/2} sqrt(sigma)), z = z0 + sigma (the Bessel functions e^z-scaled)."""
    z = z0 + sigma
    return (ik13e + (2.0 + 4.0 * sigma / z0) * k23e) * (z0 / (4.0 * z * np.sqrt(z * sigma)))


#: integrals of g(sigma) (times e^{z0}) over [0, sigma] and [sigma, inf) (parameter: z0)
QUADRATURE = SoftplusQuadrature(_scaled_density, power=0.5, bessel_arg=lambda sigma, z0: z0 + sigma)


def pair_bracket(f, chi):
    """F(f) = Int_X^inf sqrt(s) K_{1/3}(2 s^{3/2}/3) ds - (2 - chi X^{3/2}) K_{2/3}(2 X^{3/2}/3) (0 outside (0, 1))."""
    f, chi = np.broadcast_arrays(np.asarray(f, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    inside = (f > 0.0) & (f < 1.0)
    fs = np.where(inside, f, 0.5)
    p = fs * (1.0 - fs)
    _, k23, ik13 = bessel_set(2.0 / (3.0 * chi * p))
    return np.where(inside, ik13 + ((1.0 - 2.0 * p) / p) * k23, 0.0)


def T_scaled(chi):
    """T(chi) e^{8/(3 chi)} (finite for every chi > 0)."""
    chi = np.asarray(chi, dtype=np.float64)
    return 2.0 / (math.pi * math.sqrt(3.0) * chi) * QUADRATURE.total(z_min(chi))


def T(chi):
    """T(chi) (dN/dt = (alpha m c^2/hbar)(m c^2/(hbar omega)) chi T), relative error ~1e-15 (0 below
    chi ~ 3.8e-3, where e^{-8/(3 chi)} underflows: use ``T_scaled``)."""
    chi = np.asarray(chi, dtype=np.float64)
    with np.errstate(under="ignore"):
        return T_scaled(chi) * np.exp(-z_min(chi))


def pdf(f, chi):
    """Normalised density of f = chi_- / chi_gamma: F(f) / Int_0^1 F."""
    f, chi = np.broadcast_arrays(np.asarray(f, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    inside = (f > 0.0) & (f < 1.0)
    sigma = np.where(inside, sigma_of_f(np.where(inside, f, 0.5), chi), 0.0)
    z0 = z_min(chi)
    p = np.minimum(f, 1.0 - f)
    p = np.where(inside, p * (1.0 - p), 0.25)
    _, k23e, ik13e = bessel_set(z0 + sigma, scaled=True)
    with np.errstate(under="ignore"):
        val = (ik13e + ((1.0 - 2.0 * p) / p) * k23e) * np.exp(-sigma)
    return np.where(inside, val / (2.0 * QUADRATURE.total(z0)), 0.0)


def _lower_half(f, chi):
    """(Int_0^{min(f, 1-f)} F, Int_0^1 F), both times e^{z0}."""
    f, chi = np.broadcast_arrays(np.asarray(f, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    mass, half = QUADRATURE.masses(sigma_of_f(np.clip(f, 0.0, 1.0), chi), z_min(chi), "above")
    return mass, 2.0 * half


def cdf(f, chi):
    """P(f' <= f | chi), relative-accurate as f -> 0."""
    f = np.asarray(f, dtype=np.float64)
    mass, total = _lower_half(f, chi)
    c = np.where(f <= 0.5, mass / total, 1.0 - mass / total)
    return np.clip(np.where(f <= 0.0, 0.0, np.where(f >= 1.0, 1.0, c)), 0.0, 1.0)


def sf(f, chi):
    """P(f' > f | chi), relative-accurate as f -> 1 (= cdf(1 - f) by symmetry)."""
    f = np.asarray(f, dtype=np.float64)
    mass, total = _lower_half(f, chi)
    s = np.where(f >= 0.5, mass / total, 1.0 - mass / total)
    return np.clip(np.where(f <= 0.0, 1.0, np.where(f >= 1.0, 0.0, s)), 0.0, 1.0)
