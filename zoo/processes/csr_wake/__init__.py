"""Steady-state 3-D coherent-synchrotron-radiation (CSR) wakes of a bunch in a bend (issue 14's
physics layer): the Green functions of Cai & Ding, Phys. Rev. Accel. Beams 23, 014402 (2020)
(``green``) convolved with the charge density by FFT (``wake``), as PyCSR3D does. See docs/csr.md.

Not a sampler process: it declares no target (``TARGETS = ()``); field surrogates train on its
wakes.
"""
from .green import (beta_of, point_charge_force, psi, psi_cell_integrals, psi_s, psi_s_antiderivative,
                    psi_x, psi_y, retarded_angle, retarded_angle_quartic)
from .physics import PHYSICS, WakePhysics
from .wake import (CHARGE, GAMMA, RHO, Grid, csr_kernels, gaussian_density, to_1d_units, to_ev_per_m,
                   wake, wake_1d_gaussian, wake_1d_steady_state, weighted_mean_rms)

#: this package contributes no sampler target (zoo.targets' discovery requires the attribute)
TARGETS = ()

__all__ = [
    "TARGETS", "PHYSICS", "WakePhysics", "RHO", "GAMMA", "CHARGE", "Grid", "gaussian_density", "csr_kernels", "wake",
    "wake_1d_steady_state", "wake_1d_gaussian", "to_ev_per_m", "to_1d_units", "weighted_mean_rms",
    "beta_of", "retarded_angle", "retarded_angle_quartic", "psi", "psi_s", "psi_x", "psi_y",
    "psi_s_antiderivative", "psi_cell_integrals", "point_charge_force",
]
