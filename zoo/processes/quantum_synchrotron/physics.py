"""Quantum synchrotron emission (nonlinear Compton scattering in the locally-constant-field
approximation): photon emission by an electron or positron of quantum parameter chi.

All quantities are dimensionless. chi = gamma |F_perp| / F_Schwinger of the lepton, chi_gamma that of
the emitted photon, xi = chi_gamma / chi in (0, 1). The emission spectrum (Ritus; Baier & Katkov;
the form of Smilei and PICSAR-QED) is

    d^2N / (dt dchi_gamma) = (2/3) (alpha m c^2 / hbar) (1 / (gamma chi)) S(chi, xi) / xi,

    S(chi, xi) = (sqrt 3 / (2 pi)) xi [ Int_nu^inf K_{5/3}(s) ds + xi^2/(1 - xi) K_{2/3}(nu) ],
    nu = 2 xi / (3 chi (1 - xi)),

and the total rate

    dN/dt = (2/3) (alpha m c^2 / hbar) G(chi) / gamma,      G(chi) = Int_0^1 S(chi, xi) / xi dxi

(PICSAR-QED's normalisation: G(1e-3) = 2.163071e-3, G(1) = 1.550871, G(1e3) = 217.8439 are
reproduced to < 2e-7, the quoted digits). The sampled distribution is xi with density S/xi / G
(~ xi^{-2/3} at small xi: the CDF starts as xi^{1/3}; exponentially small as xi -> 1).

Asymptotes of G (derived by Mellin transforms; tests/test_qed.py checks the approach):

    chi -> 0:    G = (5 sqrt 3 / 4) chi [1 - (8 sqrt 3 / 15) chi + O(chi^2)]   (the chi^2 coefficient: 3.50, measured)
                 (the classical rate dN/dt = (5 / (2 sqrt 3)) alpha m c^2 chi / (hbar gamma));
    chi -> inf:  G = G_INF chi^{2/3} - 5/4 + O(chi^{-2/3}),
                 G_INF = (sqrt 3 / 2 pi) (3/2)^{2/3} [(3/2) 2^{2/3} Gamma(5/3)^2 Gamma(1/3)
                                                      + 2^{-1/3} Gamma(2/3)^2 Gamma(7/3) / 2] = 2.1906...

Numerics: in nu (xi = c nu / (1 + c nu), c = 3 chi / 2) the density is

    g(nu) = [Int_nu^inf K_{5/3} + r^2/(1 + r) K_{2/3}(nu)] c / (1 + r)^2,   r = c nu = xi / (1 - xi),

G = (sqrt 3 / 2 pi) Int_0^inf g dnu; its integrals over [0, nu] and [nu, inf) come from
``qed_functions.SoftplusQuadrature`` (relative-accurate in both tails; the Bessel functions at the
fixed panel nodes are computed once, for every chi).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gamma as _gamma

from ..qed_functions import SoftplusQuadrature, bessel_set

#: G ~ G_ZERO chi (1 + G_ZERO_1 chi) as chi -> 0
G_ZERO = 5.0 * math.sqrt(3.0) / 4.0
G_ZERO_1 = -8.0 * math.sqrt(3.0) / 15.0
#: G ~ G_INF chi^{2/3} + G_INF_0 as chi -> inf
G_INF = (math.sqrt(3.0) / (2.0 * math.pi) * 1.5 ** (2.0 / 3.0)
         * (1.5 * 2.0 ** (2.0 / 3.0) * _gamma(5.0 / 3.0) ** 2 * _gamma(1.0 / 3.0)
            + 2.0 ** (-1.0 / 3.0) * _gamma(2.0 / 3.0) ** 2 * _gamma(7.0 / 3.0) / 2.0))
G_INF_0 = -1.25
_PREF = math.sqrt(3.0) / (2.0 * math.pi)


def scale(chi):
    """c = 3 chi / 2: nu = xi / (c (1 - xi))."""
    return 1.5 * np.asarray(chi, dtype=np.float64)


def nu_of_xi(xi, chi):
    """nu = 2 xi / (3 chi (1 - xi)) (inf at xi = 1)."""
    xi = np.asarray(xi, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return xi / (scale(chi) * (1.0 - xi))


def _scaled_density(nu, c, k13e, k23e, ik13e):
    """e^nu g(nu): [e^nu Int K_{5/3} + r^2/(1 + r) e^nu K_{2/3}] c / (1 + r)^2."""
    r = c * nu
    return (2.0 * k23e - ik13e + r * (r / (1.0 + r)) * k23e) * (c / ((1.0 + r) * (1.0 + r)))


#: integrals of g(nu) over [0, nu] and [nu, inf) (parameter: c)
QUADRATURE = SoftplusQuadrature(_scaled_density, power=1.0 / 3.0)


def S_function(chi, xi):
    """S(chi, xi) = (sqrt 3 / 2 pi) xi [Int_nu^inf K_{5/3} + xi^2/(1 - xi) K_{2/3}(nu)] (0 outside (0, 1))."""
    return np.asarray(xi, dtype=np.float64) * spectrum(xi, chi)


def spectrum(xi, chi):
    """S(chi, xi) / xi, the unnormalised density of xi (0 outside (0, 1))."""
    xi, chi = np.broadcast_arrays(np.asarray(xi, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    inside = (xi > 0.0) & (xi < 1.0)
    xs = np.where(inside, xi, 0.5)
    nu = nu_of_xi(xs, chi)
    _, k23, ik13 = bessel_set(nu)
    val = _PREF * (2.0 * k23 - ik13 + xs * (xs / (1.0 - xs)) * k23)
    return np.where(inside, val, 0.0)


def G(chi):
    """G(chi) = Int_0^1 S(chi, xi)/xi dxi (dN/dt = (2/3)(alpha m c^2/hbar) G/gamma), relative error ~1e-15."""
    chi = np.asarray(chi, dtype=np.float64)
    return _PREF * QUADRATURE.total(scale(chi))


def cdf(xi, chi):
    """P(xi' <= xi | chi), relative-accurate for small values (xi -> 0)."""
    xi, chi = np.broadcast_arrays(np.asarray(xi, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    nu = nu_of_xi(np.clip(xi, 0.0, 1.0), chi)
    below, total = QUADRATURE.masses(nu, scale(chi), "below")
    return np.clip(below / total, 0.0, 1.0)


def sf(xi, chi):
    """P(xi' > xi | chi), relative-accurate for small values (xi -> 1)."""
    xi, chi = np.broadcast_arrays(np.asarray(xi, dtype=np.float64), np.asarray(chi, dtype=np.float64))
    nu = nu_of_xi(np.clip(xi, 0.0, 1.0), chi)
    above, total = QUADRATURE.masses(nu, scale(chi), "above")
    return np.clip(above / total, 0.0, 1.0)
