"""Classical synchrotron radiation: the photon number spectrum in x = E / E_c (E_c the critical
energy, hbar omega_c = (3/2) gamma^3 hbar c / rho):

    dN/dx = (3 / (5 pi)) Int_x^inf K_{5/3}(s) ds,        x in (0, inf)

(the power spectrum is x dN/dx ~ F(x) = x Int_x^inf K_{5/3}). The normalisation is exact:
Int_0^inf Int_x^inf K_{5/3} dx = Int_0^inf s K_{5/3}(s) ds = Gamma(1/6) Gamma(11/6) = 5 pi / 3.
Moments: <x> = 8 / (15 sqrt 3), <x^2> = 11/27 (Int s^n K_{5/3} = 2^{n-1} Gamma((n-2/3)/2) Gamma((n+8/3)/2)).
The density is ~ x^{-2/3} at x -> 0 (CDF ~ (3/(5 pi)) 3 a x^{1/3}, a = (3/2) 2^{2/3} Gamma(5/3)) and ~
sqrt(pi / 2x) e^-x at x -> inf. It is the quantum-synchrotron spectrum in nu as chi -> 0.

The CDF and the survival function are the integrals of ``qed_functions.SoftplusQuadrature`` over
[0, x] and [x, inf) (relative-accurate in both tails), over its numerical total (equal to 5 pi / 3
to ~1e-16).
"""
from __future__ import annotations

import math

import numpy as np

from ..qed_functions import SoftplusQuadrature, ik53

NORMALISATION = 5.0 * math.pi / 3.0
MEAN = 8.0 / (15.0 * math.sqrt(3.0))
SECOND_MOMENT = 11.0 / 27.0


def _scaled_density(x, a, k13e, k23e, ik13e):
    """e^x Int_x^inf K_{5/3} = 2 e^x K_{2/3} - e^x Int_x^inf K_{1/3}."""
    return 2.0 * k23e - ik13e


#: integrals of Int_x^inf K_{5/3} over [0, x] and [x, inf) (no parameter: a = 0)
QUADRATURE = SoftplusQuadrature(_scaled_density, power=1.0 / 3.0)


def density(x):
    """dN/dx = (3 / 5 pi) Int_x^inf K_{5/3} for x > 0 (0 for x <= 0)."""
    x = np.asarray(x, dtype=np.float64)
    pos = x > 0
    return np.where(pos, ik53(np.where(pos, x, 1.0)) / NORMALISATION, 0.0)


def cdf(x):
    """P(x' <= x), relative-accurate as x -> 0 (~ x^{1/3})."""
    x = np.asarray(x, dtype=np.float64)
    below, total = QUADRATURE.masses(np.maximum(x, 0.0), np.zeros_like(x), "below")
    return np.clip(below / total, 0.0, 1.0)


def sf(x):
    """P(x' > x), relative-accurate as x -> inf (~ e^-x)."""
    x = np.asarray(x, dtype=np.float64)
    above, total = QUADRATURE.masses(np.maximum(x, 0.0), np.zeros_like(x), "above")
    return np.clip(above / total, 0.0, 1.0)
