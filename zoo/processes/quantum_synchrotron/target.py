"""The ``quantum-synchrotron`` target: the photon's share xi = chi_gamma / chi of the emitting lepton's
quantum parameter (physics and rates in ``physics``), with its coordinates (torch, numpy, CUDA, C)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...targets.base import (KernelCoordinate, KernelSupport, LINEAR, ParameterSpec, Target,
                            VariableSpec, coordinate_source, support_source)
from ..qed_rates import kernel_rate as qed_kernel_rate
from ..qed_coords import floor as _floor, log_cube, tail_shrink
from . import physics as P

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")

CHI_SPEC = ParameterSpec("chi", "1", "quantum parameter of the emitting electron or positron, "
                         "gamma |F_perp| / F_Schwinger", (1e-4, 1e4))
XI_SPEC = VariableSpec("xi", "1", "photon quantum parameter over the lepton's, chi_gamma / chi, in (0, 1)")

#: the ``two_scale`` coordinate's power-law constant alpha (r = alpha w^3 / (1 - w)^{3/2} in its middle):
#: between the large-chi matches of the lower end (alpha = 0.83, dC/dw = 1) and of the power-law upper
#: part (alpha = 0.14)
ALPHA = 1.0 / 3.0
#: the tail exponent q is taken where the survival function is ~1e-3 .. 1e-12 (nu ~ 5 .. 25)
NU_TAIL = 15.0
#: below this w^3, L / w^3 = -log1p(-y)/y by its series 1 + y/2 + y^2/3 + y^3/4 + y^4/5 (error < 2e-16)
_RATIO_SERIES = 1e-3


def qs_tail_exponent(c):
    """q of the quantum-synchrotron tail, 1 - C ~ e^{-nu} nu^{-q}: the density in nu is ~ nu^{-1/2} e^{-nu}
    (1 + r + r^2) / (1 + r)^3, r = c nu, so q = 1/2 + d ln[(1 + r)^3 / (1 + r + r^2)] / d ln r at nu = NU_TAIL
    (1/2 for small chi, 3/2 for large)."""
    r = NU_TAIL * c
    return 0.5 + 3.0 * r / (1.0 + r) - r * (1.0 + 2.0 * r) / (1.0 + r + r * r)


def qs_tail_offset(c):
    """K = 1 + 5 chi^{2/3}, chi = 2c/3: the e^{-nu} tail's mass relative to the bulk falls as chi^{-2/3} at large
    chi; nu_e = ln(1 + (e^{nu_s} - 1) / K) ~ nu_s - ln K there keeps 1 - C ~ (1 - w) at the scale of the
    bulk's power-law part (measured: K ~ 0.76 / (the deep-tail slope without it), within ~30% for all chi)."""
    return 1.0 + 5.0 * (c / 1.5) ** (2.0 / 3.0)


def nu_two_scale(w, c, *, lib=torch):
    """The ``two_scale`` coordinate's nu(w): the harmonic combination 1/nu = 1/nu_e + 1/nu_p of
    nu_e = L (1 - phi(L / 2q) / 2) (L = -ln(1 - w^3), ``tail_shrink``, q = ``qs_tail_exponent(c)``) and
    nu_p = alpha w^3 / (c (1 - w)^{3/2}): nu = nu_e / (1 + A nu_e / w^3), A = c (1 - w)^{3/2} / alpha
    (as 1 / (A / w^3 + 1 / nu_e) above w = 1/2)."""
    w3 = w * w * w
    L = log_cube(w, lib=lib)
    shrink = tail_shrink(L, qs_tail_exponent(c), lib=lib)
    k = qs_tail_offset(c)
    nu_s = L * shrink
    nu_e = lib.log1p(lib.expm1(nu_s) / k)                             # ~ nu_s - ln K in the tail, nu_s / K at 0
    shrink = shrink * lib.where(nu_s > 0.0, nu_e / lib.where(nu_s > 0.0, nu_s, lib.ones_like(nu_s)), 1.0 / k)
    om = _floor(1.0 - w, lib)
    A = (c / ALPHA) * om * lib.sqrt(om)
    one = lib.ones_like(w3)
    tiny = w3 < _RATIO_SERIES
    y = lib.where(tiny, w3, lib.zeros_like(w3))
    ratio = lib.where(tiny, 1.0 + y * (0.5 + y * (1.0 / 3.0 + y * (0.25 + y * 0.2))),
                      L / lib.where(tiny, one, w3)) * shrink             # nu_e / w^3 -> 1/2 as w -> 0
    upper = w > 0.5
    low = nu_e / (1.0 + A * ratio)
    high = 1.0 / (A / lib.where(upper, w3, one) + 1.0 / lib.where(upper, nu_e, one))
    return lib.where(upper, high, low)


def xi_two_scale(w, chi, *, lib=torch):
    """w in [0, 1] -> xi = r / (1 + r), r = c nu_two_scale(w), c = 3 chi / 2 (``two_scale``)."""
    return xi_of_scaled(w, 1.5 * chi, lib=lib)


def xi_of_scaled(w, c, *, lib=torch):
    """``xi_two_scale`` given c = 3 chi / 2 (w = 1 maps to xi = 1 exactly)."""
    r = c * nu_two_scale(w, c, lib=lib)
    return lib.where(w >= 1.0, lib.ones_like(r), r / (1.0 + r))


QS_SUPPORT_CUDA = support_source(COORDS, "qs")
QS_CUBE_CUDA = coordinate_source(COORDS, "qs_cube")
QS_TWO_SCALE_CUDA = coordinate_source(COORDS, "qs_two_scale")


def _emulate_two_scale(w, lo, hi, c, g, t):
    """rz_map_qs_two_scale in numpy (fp64 throughout; g = c = 3 chi / 2)."""
    return xi_of_scaled(w.astype(np.float64), g, lib=np)


class QuantumSynchrotron(Target):
    """Photon emission by an electron or positron of quantum parameter ``chi`` (LCFA, Ritus): the
    photon's share xi = chi_gamma / chi in (0, 1), density S(chi, xi) / (xi G(chi)) (``physics``)."""

    id = "quantum-synchrotron"
    parameters = (CHI_SPEC,)
    variables = (XI_SPEC,)
    #: ``cube``: xi = w^3 takes out the xi^{1/3} start (dC/dw finite at w = 0 for every chi).
    #: ``two_scale``: xi = r / (1 + r), r = c nu(w) (``nu_two_scale``): nu ~ w^3 / (2 + 3c) at
    #: w -> 0 (C ~ w), nu ~ -ln(3 (1 - w)) - q ln(...) at w -> 1 (the e^{-nu} nu^{-q} tail: 1 - C ~
    #: (1 - w), its slope drifting by < 30% over 1 - w = 1e-3 .. 1e-12), and for large chi the
    #: power-law middle r ~ alpha w^3 / (1 - w)^{3/2} (where 1 - C ~ r^{-2/3}); for small chi it is the
    #: synchrotron coordinate in nu.
    coordinates = ("linear", "cube", "two_scale")
    reference_point = {"chi": 1.0}
    kernel_rate = qed_kernel_rate("G", "chi", (
        'G(chi) = Int_0^1 S(chi, xi) / xi dxi, the total photon emission rate function of a lepton of '
        'quantum parameter chi ((5 sqrt 3 / 4) chi as chi -> 0, 2.19 chi^(2/3) as chi -> inf): dN/dt = '
        "(2/3) (alpha m c^2 / hbar) G(chi) / gamma = 3.7768e18 s^-1 x G / gamma, gamma the lepton's "
        "Lorentz factor; PICSAR-QED's get_dN_dt with its G table"))
    kernel_support = KernelSupport(
        "qs", QS_SUPPORT_CUDA,
        lambda k, p, prev: (np.zeros_like(np.asarray(p[0], dtype=np.float64)),
                            np.ones_like(np.asarray(p[0], dtype=np.float64))))
    kernel_coordinates = {
        "linear": LINEAR,
        "cube": KernelCoordinate("qs_cube", QS_CUBE_CUDA, emulate_prep=lambda p, prev: ((), None),
                                 emulate_map=lambda w, lo, hi, c, g, t: w.astype(np.float64) ** 3,
                                 torch=lambda w, lo, hi, params, prev: w * w * w),
        "two_scale": KernelCoordinate("qs_two_scale", QS_TWO_SCALE_CUDA,
                                      emulate_prep=lambda p, prev: ((), 1.5 * np.asarray(p[0], dtype=np.float64)),
                                      emulate_map=_emulate_two_scale,
                                      torch=lambda w, lo, hi, params, prev: xi_two_scale(w, params["chi"])),
    }

    def component_support(self, k, prev, params):
        chi = np.asarray(params["chi"], dtype=np.float64)
        return np.zeros_like(chi), np.ones_like(chi)

    def torch_support(self, k, prev, params):
        chi = params["chi"]
        return torch.zeros_like(chi), torch.ones_like(chi)

    def component_pdf(self, k, x, prev, params):
        chi = np.asarray(params["chi"], dtype=np.float64)
        return P.spectrum(x, chi) / P.G(chi)

    def component_cdf(self, k, x, prev, params):
        """Int_0^xi of the density (relative-accurate as xi -> 0, the xi^{1/3} start included)."""
        return P.cdf(x, params["chi"])

    def component_sf(self, k, x, prev, params):
        """Int_xi^1 of the density (relative-accurate as xi -> 1, where it is ~ e^{-nu})."""
        return P.sf(x, params["chi"])

