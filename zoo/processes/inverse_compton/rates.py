"""Total scattering rate and rate density of inverse Compton scattering (seed paper eq. 28).

Physics layer beside :mod:`zoo.processes.inverse_compton.isotropic` (same kernel, same support,
same ultra-relativistic head-on approximation). Units: energies in m_e c^2; rates are
per electron and per unit photon number density (an electron of Lorentz factor
``gamma`` in a photon gas of n_ph photons per cm^3 at energy ``eps0`` scatters
``n_ph * total_rate(gamma, eps0)`` photons per second), in units of

    sigma_T c = (8 pi / 3) r_0^2 c  ~= 1.995e-14 cm^3 s^-1.

Eq. 28 with the photon field n(eps0) deps0 divided out reads

    dR/deps = 2 pi r_0^2 c f(q) / (gamma^2 eps0) = sigma_T c * 3 f(q) / (4 gamma^2 eps0),

and its integral over eps in [eps0, gamma b / (1 + b)] is, with eps = gamma b q / (1 + b q),

    R(gamma, eps0) = 3 [H(1; b) - H(q_min; b)]   [sigma_T c],

H being the antiderivative of ``inverse_compton`` (exact to ~1e-15 relative). R -> 1
in the Thomson limit (b = 4 gamma eps0 -> 0) and falls as ~ (3 / (2 b)) (ln b + ...)
in the Klein-Nishina limit. Multiply by ``SIGMA_T_OVER_R0SQ`` for units of r_0^2 c.
"""
from __future__ import annotations

import math

import numpy as np

from .isotropic import antiderivative, eps_max, kernel, q_of_eps, rate_total, regime_b  # noqa: F401 (rate_total: here too)

#: sigma_T / r_0^2 = 8 pi / 3 (converts rates in sigma_T c to rates in r_0^2 c)
SIGMA_T_OVER_R0SQ = 8.0 * math.pi / 3.0
#: Thomson cross section [cm^2] and speed of light [cm s^-1] (CODATA 2018), for physical units
SIGMA_T_CM2 = 6.6524587321e-25
C_CM_S = 2.99792458e10


def total_rate(gamma, eps0) -> np.ndarray:
    """Scattering rate of one electron per unit photon number density [sigma_T c].

    The integral of eq. 28 over the outgoing energy, for electrons of Lorentz factor
    ``gamma`` (dimensionless) in an isotropic monochromatic field of photon energy
    ``eps0`` [m_e c^2]; arrays broadcast. Accurate to ~1e-13 relative.
    """
    gamma, eps0 = np.broadcast_arrays(np.asarray(gamma, dtype=np.float64), np.asarray(eps0, dtype=np.float64))
    b = regime_b(gamma, eps0)
    q_min = q_of_eps(eps0, gamma, eps0)
    h_min, h_1 = antiderivative(np.stack([q_min, np.ones_like(q_min)]), b[None])
    return 3.0 * (h_1 - h_min)


def rate_density(eps, gamma, eps0) -> np.ndarray:
    """dR/deps: eq. 28 per unit photon number density [sigma_T c per unit eps (m_e c^2)^-1].

    Zero outside the support eps0 <= eps <= gamma b / (1 + b); arrays broadcast.
    """
    eps, gamma, eps0 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (eps, gamma, eps0)))
    inside = (eps >= eps0) & (eps <= eps_max(gamma, eps0))
    q = q_of_eps(np.where(inside, eps, eps0), gamma, eps0)
    f = kernel(np.clip(q, 0.0, 1.0), regime_b(gamma, eps0))
    return np.where(inside, 0.75 * np.maximum(f, 0.0) / (gamma * gamma * eps0), 0.0)


def gamma_threshold(eps, eps0) -> np.ndarray:
    """Smallest gamma whose kinematic maximum gamma b / (1 + b) reaches eps [m_e c^2].

    Solves eps (1 + 4 gamma eps0) = 4 gamma^2 eps0: gamma = (eps + sqrt(eps^2 + eps/eps0)) / 2.
    """
    eps, eps0 = np.asarray(eps, dtype=np.float64), np.asarray(eps0, dtype=np.float64)
    return 0.5 * (eps + np.sqrt(eps * eps + eps / eps0))

