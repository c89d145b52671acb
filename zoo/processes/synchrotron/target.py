"""The ``synchrotron`` target: x = E / E_c of a classical synchrotron photon (``physics``).

The support is infinite; the target represents it as [0, X_MAX], X_MAX = 700: the mass beyond,
(3 / 5 pi) Int_700^inf Int_x^inf K_{5/3} ~ 1e-305, is below anything float64 resolves next to 1
(the CDF is exactly 1 there in float64, and every survival value above ~1e-290 is unaffected).
The ``log_cube`` coordinate maps w in [0, 1] onto it with x = L - ln(1 + L)/2, L = -ln(1 - w^3):
x ~ w^3 / 2 at w -> 0 (C ~ 0.98 w) and x ~ -ln(3 (1 - w)) - ln(L)/2 at w -> 1 (1 - C ~ (1 - w), the
slope drifting by < 20% over 1 - w = 1e-3 .. 1e-12); w = 1 gives X_MAX (the largest w below 1, x = 34).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...targets.base import (KernelCoordinate, KernelRate, KernelSupport, LINEAR, Target, VariableSpec,
                            coordinate_source, header_source, support_source)
from ..qed_coords import log_cube, tail_shrink
from . import physics as P

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")


#: upper end of the represented support (see the module docstring)
X_MAX = 700.0

SYNC_SUPPORT_CUDA = support_source(COORDS, "sync")
SYNC_LOG_CUBE_CUDA = coordinate_source(COORDS, "sync_log_cube")


def x_log_cube(w, *, lib=torch):
    """The ``log_cube`` coordinate: x = L (1 - phi(L)/2) = L - ln(1 + L)/2, L = -ln(1 - w^3) (``log_cube``,
    ``tail_shrink`` with q = 1/2: the tail 1 - C ~ e^{-x} x^{-1/2} becomes ~ (1 - w)); w = 1 maps to X_MAX."""
    L = log_cube(w, lib=lib)
    x = L * tail_shrink(L, 0.5, lib=lib)
    return lib.where(w >= 1.0, lib.full_like(x, X_MAX), x)


#: the photon number rate (zoo export's radzoo_synchrotron_rate; tests/test_rates.py)
SYNC_RATE = KernelRate(
    name="sync_number", cuda=header_source(Path(__file__).with_name("rates.h"), "rz_rate_sync_number"),
    python=lambda params: np.float64(P.NORMALISATION), unit="(sqrt(3) / 2 pi) alpha gamma c / rho",
    definition="5 pi / 3 = Int_0^inf Int_x^inf K_{5/3}(s) ds dx, the total of the photon number spectrum this model "
               "draws: an electron of Lorentz factor gamma on a curve of radius rho (in a field B at pitch angle a: "
               "gamma c / rho = e B sin(a) / (m_e c)) emits dN/dt = (sqrt(3) / 2 pi) alpha (gamma c / rho) x rate "
               "= (5 / 2 sqrt 3) alpha gamma c / rho photons per unit time",
    domain=())


class Synchrotron(Target):
    """Classical synchrotron photon number spectrum dN/dx ~ Int_x^inf K_{5/3}(s) ds in x = E / E_c
    (no parameters; support [0, X_MAX], see the module docstring)."""

    id = "synchrotron"
    parameters = ()
    variables = (VariableSpec("x", "E_c", "photon energy over the critical energy, (3/2) gamma^3 hbar c / rho"),)
    #: ``log_cube``: x = L - ln(1 + L)/2, L = -ln(1 - w^3) (the x^{1/3} start and the e^-x tail both
    #: linear in w; ``x_log_cube``)
    coordinates = ("linear", "log_cube")
    reference_point = {}
    kernel_rate = SYNC_RATE
    kernel_support = KernelSupport("sync", SYNC_SUPPORT_CUDA, lambda k, p, prev: (np.float64(0.0), np.float64(X_MAX)))
    kernel_coordinates = {
        "linear": LINEAR,
        "log_cube": KernelCoordinate("sync_log_cube", SYNC_LOG_CUBE_CUDA, emulate_prep=lambda p, prev: ((), None),
                                     emulate_map=lambda w, lo, hi, c, g, t: x_log_cube(w.astype(np.float64), lib=np),
                                     torch=lambda w, lo, hi, params, prev: x_log_cube(w)),
    }

    def component_support(self, k, prev, params):
        return np.float64(0.0), np.float64(X_MAX)

    def component_pdf(self, k, x, prev, params):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x <= X_MAX, P.density(x), 0.0)

    def component_cdf(self, k, x, prev, params):
        """Int_0^x (relative-accurate as x -> 0, ~ x^{1/3}); 1 from X_MAX on."""
        x = np.asarray(x, dtype=np.float64)
        return np.where(x >= X_MAX, 1.0, P.cdf(np.minimum(x, X_MAX)))

    def component_sf(self, k, x, prev, params):
        """Int_x^inf (relative-accurate as x -> inf, ~ e^-x); 0 from X_MAX on."""
        x = np.asarray(x, dtype=np.float64)
        return np.where(x >= X_MAX, 0.0, P.sf(np.minimum(x, X_MAX)))

