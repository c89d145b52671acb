"""Inverse Compton scattering of an ultra-relativistic electron on photons arriving from one
direction, in the head-on approximation (Aharonian & Atoyan 1981).

An electron of Lorentz factor gamma >> 1 meets photons of energy eps0 (m_e c^2) at angle theta
between their directions of motion; in the electron frame the photon arrives head-on with energy
b/2, and the scattered photon leaves along the electron's direction in the lab. With

    b = 2 gamma eps0 (1 - cos theta),      z = E / (gamma m_e c^2) in (0, b / (1 + b)],
    dN/dz ~ g(z) = 1 + z^2 / (2 (1 - z)) - 2 z / (b (1 - z)) + 2 z^2 / (b^2 (1 - z)^2).

Everything is computed in s = -ln(1 - z) = ln(1 + b r), r = z / (b (1 - z)) in [0, 1], s in
[0, L], L = ln(1 + b), where dN/ds = g (1 - z) is the positive sum

    dN/ds = e^{-s} [(1 - r)^2 + r^2] + (1 - e^{-s})^2 / 2,       r = expm1(s) / b,

entire in s, between ~1/2 and 1; its antiderivative is closed-form,

    G(s) = -expm1(-s) - (2/b) B(s) + (2/b^2) C(s) + D(s)/2

(B, C, D of ``klein_nishina.physics``, power series below s = 1/2), relative-accurate for every
s > 0 from b = 1e-6 (Thomson) to 1e8. The upper tail (z -> b/(1 + b)) is integrated directly over
[s, L] (composite Gauss-Legendre). The total, Int dN/dz dz = G(L), equals (2/3) b sigma_KN(b/2) /
sigma_T (the electron-frame Klein-Nishina cross section at photon energy b/2; tested).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...targets.base import (DomainExtension, KernelCoordinate, KernelRate, KernelSupport, LINEAR, ParameterSpec,
                            Target, VariableSpec, coordinate_source, header_source, support_source)
from ..float_exact import sum3, two_product
from ..klein_nishina import physics as KN

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")
#: the C of the Klein-Nishina cross section (this target's rate)
KN_RATES = Path(__file__).parents[1] / "klein_nishina" / "rates.h"

#: below this survival probability the upper-tail mass is integrated directly over [s, L]
TAIL_SWITCH = 0.05
_LN2 = float(np.log(2.0))


def z_max(b):
    """Kinematic maximum of z = E / (gamma m_e c^2): b / (1 + b)."""
    b = np.asarray(b, dtype=np.float64)
    return b / (1.0 + b)


def density_s(s, b):
    """dN/ds (unnormalised), s = -ln(1 - z): e^{-s} [(1 - r)^2 + r^2] + (1 - e^{-s})^2 / 2."""
    s = np.asarray(s, dtype=np.float64)
    r = np.expm1(s) / b
    em = -np.expm1(-s)
    return np.exp(-s) * ((1.0 - r) ** 2 + r * r) + 0.5 * em * em


def dn_dz(z, b):
    """The head-on kernel g(z; b) itself (issue form), for tests and plots."""
    z = np.asarray(z, dtype=np.float64)
    return 1.0 + z * z / (2.0 * (1.0 - z)) - 2.0 * z / (b * (1.0 - z)) + 2.0 * z * z / (b * b * (1.0 - z) ** 2)


def antiderivative(s, b):
    """G(s; b) = Int_0^s dN/ds' ds' (closed form, relative-accurate for s > 0)."""
    s = np.asarray(s, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return -np.expm1(-s) - (2.0 / b) * KN.func_b(s) + (2.0 / (b * b)) * KN.func_c(s) + 0.5 * KN.func_d(s)


def total(b):
    """Int_0^{z_max} dN/dz dz = G(ln(1 + b)); equals (2/3) b sigma_KN(b/2) / sigma_T."""
    b = np.asarray(b, dtype=np.float64)
    return antiderivative(np.log1p(b), b)


def upper_span(z, b):
    """L - s = ln((1 - z)(1 + b)) = log1p(b - z - z b), the product exact
    and the sum compensated (``zoo.processes.float_exact.sum3``): relative-accurate as
    z -> b / (1 + b) (the exact maximum, not its float64 rounding)."""
    z = np.asarray(z, dtype=np.float64)
    p, e = two_product(z, np.asarray(b, dtype=np.float64))
    b = np.asarray(b, dtype=np.float64)
    return np.log1p(sum3(b, -z, -p) - e)


def z_of_w(w, b, *, lib=torch):
    """The ``log1p_br`` coordinate: s = w ln(1 + b) evenly, z = 1 - e^{-s} (as -expm1(-s))."""
    return -lib.expm1(-w * lib.log1p(b))


def emulate_map(w, lo, hi, c, g, t):
    """rz_map_ic_head_on_log1p_br in numpy (c[0] = ln(1 + b) in the map type t)."""
    s = (w.astype(t) * c[0]).astype(t)
    small = (-np.expm1(-s)).astype(t).astype(np.float64)
    large = 1.0 - np.exp(-s).astype(t).astype(np.float64)
    return np.where(s < t(_LN2), small, large)


HEAD_ON_SUPPORT_CUDA = support_source(COORDS, "ic_head_on")
HEAD_ON_COORD_CUDA = coordinate_source(COORDS, "ic_head_on_log1p_br")


class InverseComptonHeadOn(Target):
    """Scattered photon energy z = E / (gamma m_e c^2) of inverse Compton scattering in the head-on
    approximation, for b = 2 gamma eps0 (1 - cos theta) (gamma >> 1; eps0 in m_e c^2)."""

    id = "inverse-compton-head-on"
    parameters = (ParameterSpec("b", "1", "2 gamma eps0 (1 - cos theta): twice the photon energy in the "
                                "electron frame, m_e c^2 units (Klein-Nishina regime for b >~ 1)", (1e-8, 1e10)),)
    variables = (VariableSpec("z", "1", "scattered photon energy over gamma m_e c^2, in (0, b / (1 + b)]"),)
    #: ``log1p_br``: s = ln(1 + b r) = -ln(1 - z) evenly over [0, ln(1 + b)]; dN/ds lies between ~1/2
    #: and 1 (Thomson: linear in z; Klein-Nishina: logarithmic), so the exact map is nearly straight
    coordinates = ("linear", "log1p_br")
    reference_point = {"b": 1.0}
    #: below the trained b the shape in ``log1p_br`` is Thomson's (dN/dz linear in z) up to O(b)
    extensions = (DomainExtension(
        "b", "below", "Thomson limit: in the model's coordinate s / ln(1 + b), s = -ln(1 - z), the distribution "
        "tends to Thomson's (dN/dz ~ 1 - 2r + 2r^2, r = z / b) with O(b) corrections, so the network at its "
        "lowest trained b is the limit; the support keeps the true b"),)
    kernel_rate = KernelRate(
        name="head_on_sigma",
        cuda=header_source(KN_RATES, "rz_kn_func_b", "rz_kn_func_c", "rz_kn_sigma", "rz_rate_head_on_sigma"),
        python=lambda params: KN.total_cross_section(0.5 * np.asarray(params["b"], dtype=np.float64)),
        unit="sigma_T",
        definition="sigma_KN(b/2) / sigma_T, the Klein-Nishina cross section in the electron frame, where the "
                   "photon has energy b/2 [m_e c^2] (equal to (3 / 2b) x the total of dN/dz); an electron of "
                   "Lorentz factor gamma >> 1 crossing a beam of n_ph photons per cm^3 at angle theta scatters "
                   "at dN/dt = n_ph c (1 - cos theta) sigma_T x rate in the lab",
        domain=((0.0, float("inf")),))
    kernel_support = KernelSupport(
        "ic_head_on", HEAD_ON_SUPPORT_CUDA,
        lambda k, p, prev: (np.zeros_like(np.asarray(p[0], dtype=np.float64)), z_max(p[0])))
    kernel_coordinates = {
        "linear": LINEAR,
        "log1p_br": KernelCoordinate("ic_head_on_log1p_br", HEAD_ON_COORD_CUDA,
                                     emulate_prep=lambda p, prev: ((np.log1p(p[0]),), None),
                                     emulate_map=emulate_map,
                                     torch=lambda w, lo, hi, params, prev: z_of_w(w, params["b"])),
    }

    def component_support(self, k, prev, params):
        b = np.asarray(params["b"], dtype=np.float64)
        return np.zeros_like(b), z_max(b)

    def torch_support(self, k, prev, params):
        b = params["b"]
        return torch.zeros_like(b), b / (1.0 + b)

    def _prepare(self, x, params):
        b = np.asarray(params["b"], dtype=np.float64)
        x, b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), b)
        hi = z_max(b)
        return x, b, hi, np.clip(x, 0.0, hi)

    def component_pdf(self, k, x, prev, params):
        x, b, hi, xs = self._prepare(x, params)
        s = -np.log1p(-xs)
        p = density_s(s, b) / (1.0 - xs) / total(b)
        return np.where((x >= 0.0) & (x <= hi), p, 0.0)

    def component_cdf(self, k, x, prev, params):
        """G(s) / G(L), s = -log1p(-z): relative-accurate in the lower tail (z -> 0)."""
        x, b, hi, xs = self._prepare(x, params)
        c = antiderivative(-np.log1p(-xs), b) / total(b)
        return np.clip(np.where(x <= 0.0, 0.0, np.where(x >= hi, 1.0, c)), 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        """1 - C; in the upper tail (below TAIL_SWITCH) integrated directly over [s, L]."""
        x, b, hi, xs = self._prepare(x, params)
        tot = total(b)
        sf = np.array(1.0 - antiderivative(-np.log1p(-xs), b) / tot, dtype=np.float64, ndmin=1).reshape(x.shape)
        tail = (sf < TAIL_SWITCH) & (x > 0.0) & (x < hi)
        if np.any(tail):
            span = upper_span(xs[tail], b[tail])
            sf[tail] = KN.composite_gl(density_s, np.log1p(b[tail]) - span, span, b[tail]) / tot[tail]
        return np.clip(np.where(x <= 0.0, 1.0, np.where(x >= hi, 0.0, sf)), 0.0, 1.0)

