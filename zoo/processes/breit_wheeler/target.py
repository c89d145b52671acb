"""The ``breit-wheeler`` target: the electron's share f = chi_- / chi_gamma of the decaying photon's
quantum parameter (physics and rates in ``physics``), with its coordinates (torch, numpy, CUDA, C)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...targets.base import (KernelCoordinate, KernelSupport, LINEAR, ParameterSpec, Target,
                            VariableSpec, coordinate_source, support_source)
from ..qed_rates import kernel_rate as qed_kernel_rate
from ..qed_coords import floor as _floor, tail_shrink
from . import physics as P

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")

CHI_SPEC = ParameterSpec("chi_gamma", "1", "quantum parameter of the decaying photon, "
                         "(hbar omega / m c^2) |F_perp| / F_Schwinger", (1e-3, 1e4))
F_SPEC = VariableSpec("f", "1", "electron quantum parameter over the photon's, chi_- / chi_gamma, in (0, 1)")
#: the smallest 4 u (1 - u) the coordinate uses (END_FLOOR: w = 0 and 1 map to f ~ 1e-303 from the
#: ends, finitely)


#: the tail exponent q (1 - C ~ e^{-sigma} sigma^{-q}) is taken at sigma = SIGMA_TAIL (masses ~1e-3 .. 1e-12)
SIGMA_TAIL = 15.0


def bw_tail_exponent(z0):
    """q of the Breit-Wheeler tail: the density in sigma is ~ e^{-sigma} sigma^{-1/2} / (z0 + sigma), so
    q = 1/2 + sigma / (z0 + sigma) at sigma = SIGMA_TAIL (1/2 for small chi_gamma, 3/2 for large)."""
    return 0.5 + SIGMA_TAIL / (SIGMA_TAIL + z0)


#: ``bw_tail_offset``'s coefficient
OFFSET = 0.5


def bw_tail_offset(chi):
    """K = 1 + OFFSET chi^{2/3}: the e^{-sigma} tail's mass relative to the power-law bulk falls as chi^{-2/3} at
    large chi_gamma; sigma_e = ln(1 + (e^{sigma_s} - 1) / K) ~ sigma_s - ln K there (cf. ``qs_tail_offset``)."""
    return 1.0 + OFFSET * chi ** (2.0 / 3.0)


def f_two_scale(w, chi, *, lib=torch):
    """The ``two_scale`` coordinate: w in [0, 1] -> f, symmetric (f(1 - w) = 1 - f(w)). For u = min(w,
    1 - w), d = 1 - 2u, P = 4u(1 - u):

        sigma = 1 / (1/sigma_pow + 1/sigma_e),   sigma_pow = z0 d^2 / P^{3/2},
        sigma_e = L - q ln(1 + L / 2q),  L = -ln P   (``tail_shrink``, q = ``bw_tail_exponent``),

    then f = (z0 / (2z)) / (1 + sqrt(sigma / z)), z = z0 + sigma, for the lower half, 1 - f above.
    sigma_pow is f ~ u near the centre and f ~ 2 u^{3/2} at small u (where C ~ f^{2/3} for large chi_gamma);
    sigma_e ~ d^2/2 at the centre (the small-chi_gamma core (1/2) erfc(sqrt(sigma))) and makes the
    e^{-sigma} sigma^{-q} tail ~ u: the exact CDF is nearly linear in w at both ends and in the middle."""
    z0 = 8.0 / (3.0 * chi)
    upper = w > 0.5
    u = lib.where(upper, 1.0 - w, w)
    d = 1.0 - 2.0 * u
    d2 = d * d
    p4 = _floor(4.0 * u * (1.0 - u), lib)
    near = u >= 0.25
    L = lib.where(near, -lib.log1p(-lib.where(near, d2, lib.zeros_like(d2))), -lib.log(p4))
    shrink = tail_shrink(L, bw_tail_exponent(z0), lib=lib)
    k = bw_tail_offset(chi)
    sig_s = L * shrink
    sig_e = lib.log1p(lib.expm1(sig_s) / k)                            # ~ sig_s - ln K in the tail
    shrink = shrink * lib.where(sig_s > 0.0, sig_e / lib.where(sig_s > 0.0, sig_s, lib.ones_like(sig_s)), 1.0 / k)
    pos = d2 > 0.0
    lam = lib.where(pos, L / lib.where(pos, d2, lib.ones_like(d2)), lib.ones_like(d2)) * shrink  # sigma_e / d^2
    den = 1.0 + lam * p4 * lib.sqrt(p4) / z0
    sigma = d2 * lam / den
    z = z0 + sigma
    f = (z0 / (2.0 * z)) / (1.0 + d * lib.sqrt(lam / (den * z)))     # sqrt(sigma / z), d >= 0 (no sqrt(0))
    f = lib.where(u > 0.0, f, lib.zeros_like(f))                      # w = 0, 1 map to f = 0, 1 exactly
    return lib.where(upper, 1.0 - f, f)


BW_SUPPORT_CUDA = support_source(COORDS, "bw")
BW_TWO_SCALE_CUDA = coordinate_source(COORDS, "bw_two_scale")


class BreitWheeler(Target):
    """Pair creation by a photon of quantum parameter ``chi_gamma`` (LCFA): the electron's share
    f = chi_- / chi_gamma in (0, 1), density F(f) / Int_0^1 F (``physics``), symmetric about 1/2."""

    id = "breit-wheeler"
    parameters = (CHI_SPEC,)
    variables = (F_SPEC,)
    #: ``two_scale`` (``f_two_scale``): the exact CDF is nearly linear in w for every chi_gamma: for
    #: small chi_gamma the core (width ~ sqrt(chi_gamma)) and the e^{-z} tails, for large chi_gamma
    #: f ~ w at the centre, f ~ 2 w^{3/2} where C ~ f^{2/3}, and again the e^{-z} tails (C ~ w)
    coordinates = ("linear", "two_scale")
    reference_point = {"chi_gamma": 1.0}
    kernel_rate = qed_kernel_rate("T", "chi_gamma", (
        'T(chi_gamma), the total pair creation rate function of a photon of quantum parameter chi_gamma '
        '((3/16) sqrt(3/2) e^(-8/(3 chi)) as chi -> 0, 0.3796 chi^(-1/3) as chi -> inf): dN/dt = (alpha m'
        ' c^2 / hbar) (m c^2 / (hbar omega)) chi_gamma T(chi_gamma), hbar omega the photon energy (alpha '
        "m c^2 / hbar = 5.6653e18 s^-1); PICSAR-QED's get_dN_dt with its T table"))
    kernel_support = KernelSupport(
        "bw", BW_SUPPORT_CUDA,
        lambda k, p, prev: (np.zeros_like(np.asarray(p[0], dtype=np.float64)),
                            np.ones_like(np.asarray(p[0], dtype=np.float64))))
    kernel_coordinates = {
        "linear": LINEAR,
        "two_scale": KernelCoordinate(
            "bw_two_scale", BW_TWO_SCALE_CUDA,
            emulate_prep=lambda p, prev: ((), np.asarray(p[0], dtype=np.float64)),
            emulate_map=lambda w, lo, hi, c, g, t: f_two_scale(w.astype(np.float64), g, lib=np),
            torch=lambda w, lo, hi, params, prev: f_two_scale(w, params["chi_gamma"])),
    }

    def component_support(self, k, prev, params):
        chi = np.asarray(params["chi_gamma"], dtype=np.float64)
        return np.zeros_like(chi), np.ones_like(chi)

    def torch_support(self, k, prev, params):
        chi = params["chi_gamma"]
        return torch.zeros_like(chi), torch.ones_like(chi)

    def component_pdf(self, k, x, prev, params):
        return P.pdf(x, params["chi_gamma"])

    def component_cdf(self, k, x, prev, params):
        """Int_0^f of the density (relative-accurate as f -> 0, where it is ~ e^{-z})."""
        return P.cdf(x, params["chi_gamma"])

    def component_sf(self, k, x, prev, params):
        """Int_f^1 of the density (relative-accurate as f -> 1; the mirror of the lower tail)."""
        return P.sf(x, params["chi_gamma"])

