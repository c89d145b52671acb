"""Inverse Compton scattering in an isotropic monochromatic photon field as a chain of two
variables, in the head-on approximation: the interaction angle, then the photon energy given it.

An electron of Lorentz factor gamma >> 1 in an isotropic field of photons of energy eps0 (m_e c^2)
meets photons at mu = cos theta (theta between the electron's velocity and the photon's
direction) at the rate (1 - mu) sigma_KN(eps'), eps' = gamma eps0 (1 - mu) = b / 2 the photon
energy in the electron frame; the scattered photon then has z = E / (gamma m_e c^2) from the
head-on kernel (``head_on``) at b(mu) = 2 gamma eps0 (1 - mu):

    p(mu) ~ (1 - mu) sigma_KN(b(mu)/2) ~ T(b(mu)),   T(b) = Int dN/dz dz = (2/3) b sigma_KN(b/2) / sigma_T,
    p(z | mu) = head-on dN/dz at b(mu),   z in (0, b(mu) / (1 + b(mu))].

Both depend on gamma and eps0 only through c = 2 gamma eps0. The mu CDF is integrated directly,
from whichever end is nearer, in v = ln(1 + c y), y = 1 - mu (composite Gauss-Legendre of the
positive integrand T(e^v - 1) e^v / c, relative-accurate in both tails). The marginal of gamma z
approximates ``inverse-compton-isotropic`` (exact kinematics) to O(1/gamma): ``marginal_cdf``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...targets.base import (DomainExtension, KernelCoordinate, KernelRate, KernelSupport, LINEAR, ParameterSpec,
                            Target, VariableSpec, coordinate_source, header_source, support_source)
from ..klein_nishina import physics as KN
from . import head_on as HO
from .isotropic import IC_H_HELPERS, RATES, rate_head_on_total

#: the one C source of this process's supports and coordinates (kernel and tests alike)
COORDS = Path(__file__).with_name("coords.h")

#: floor of b(mu) = c (1 - mu) (mu = 1 exactly: a degenerate support [0, ~1e-30])
B_FLOOR = 1e-30
_PANELS = 8
#: the conditional of z given mu is the head-on target at b(mu)
_HEAD_ON = HO.InverseComptonHeadOn()


def c_of(gamma, eps0):
    """c = 2 gamma eps0: b(mu) = c (1 - mu)."""
    return 2.0 * np.asarray(gamma, dtype=np.float64) * np.asarray(eps0, dtype=np.float64)


def _mu_integrand(v, c):
    """T(b) e^v / c with b = e^v - 1 = c y: the mu density in v = ln(1 + c y) (unnormalised)."""
    b = np.maximum(np.expm1(v), B_FLOOR)
    return HO.total(b) * np.exp(v) / c


def mu_mass(v_a, span, c):
    """Int T(c y) dy over v = ln(1 + c y) in [v_a, v_a + span] (relative-accurate, any span >= 0)."""
    return KN.composite_gl(_mu_integrand, v_a, span, c, panels=_PANELS)


def mu_total(c):
    """Int_{-1}^{1} T(c (1 - mu)) d mu, integrated once per distinct c (a quantile table's bisection
    evaluates thousands of rows that share one parameter point)."""
    c = np.asarray(c, dtype=np.float64)
    distinct, index = np.unique(c.ravel(), return_inverse=True)
    return mu_mass(0.0, np.log1p(2.0 * distinct), distinct)[index].reshape(c.shape)


def mu_of_w(w, c, *, lib=torch):
    """The ``mu_mixed`` coordinate: 1 - mu = y = 2 [(1 - a) sqrt(1 - w) + a (1 - w)], a = c / (1 + c).

    Thomson (c << 1): p(mu) ~ 1 - mu, so 1 - C ~ y^2 and y ~ sqrt(1 - w) makes the map linear at
    the top; Klein-Nishina (c >> 1): p ~ log(c y), nearly flat, y ~ 1 - w; the mixture also keeps
    the top linear below y ~ 1/c, where p ~ c y again. Evaluated from the nearer end: 1 + mu =
    2 [(1 - a) w / (1 + sqrt(1 - w)) + a w] below w = 1/2 (relative-accurate as mu -> -1)."""
    a = c / (1.0 + c)
    root = lib.sqrt(1.0 - w)
    lower = -1.0 + 2.0 * ((1.0 - a) * (w / (1.0 + root)) + a * w)
    upper = 1.0 - 2.0 * ((1.0 - a) * root + a * (1.0 - w))
    return lib.where(w < 0.5, lower, upper)


def _emulate_mu(w, lo, hi, c, g, t):
    w = w.astype(t)
    a = t(1) - c[0]          # c0 = 1 - a = 1 / (1 + c) in rz_map_t
    root = np.sqrt(t(1) - w).astype(t)
    low = ((c[0] * (w / (t(1) + root))).astype(t) + (a * w).astype(t)).astype(t)
    up = ((c[0] * root).astype(t) + (a * (t(1) - w)).astype(t)).astype(t)
    return np.where(w < t(0.5), -1.0 + 2.0 * low.astype(np.float64), 1.0 - 2.0 * up.astype(np.float64))


SUPPORT_CUDA = support_source(COORDS, "ic_2d")
MU_CUDA = coordinate_source(COORDS, "ic_2d_mu")
Z_CUDA = coordinate_source(COORDS, "ic_2d_z")


def _b_of(params, prev):
    """b(mu) = c (1 - mu), floored at B_FLOOR; params = (gamma, eps0) in card order, prev[..., 0] = mu."""
    return np.maximum(c_of(params[0], params[1]) * (1.0 - np.asarray(prev, dtype=np.float64)[..., 0]), B_FLOOR)


def _b_torch(params, prev):
    """``_b_of`` in torch (the coordinate and support of z given mu)."""
    return torch.clamp(2.0 * params["gamma"] * params["eps0"] * (1.0 - prev[:, 0]), min=B_FLOOR)


#: the total rate of the head-on approximation (zoo export's radzoo_ic_isotropic_2d_rate; tests/test_rates.py)
IC_2D_RATE = KernelRate(
    name="ic_2d_total",
    cuda=header_source(RATES, *IC_H_HELPERS, "rz_ic_head_on_total_rate", "rz_rate_ic_2d_total"),
    python=lambda params: rate_head_on_total(params["gamma"], params["eps0"]),
    unit="sigma_T c per unit photon number density",
    definition="R(gamma, eps0) = 3 H(1; b), b = 4 gamma eps0: the scattering rate of an electron of Lorentz factor "
               "gamma >> 1 in an isotropic field of photons of energy eps0 [m_e c^2] in the head-on approximation "
               "this model samples, Int_{-1}^{1} (1 - mu)/2 sigma_KN(gamma eps0 (1 - mu)) / sigma_T dmu "
               "(ic-isotropic's rate without its q_min = 1/(4 gamma^2) cut; 1 in the Thomson limit): "
               "dN/dt = n_ph c sigma_T x R for n_ph photons per cm^3",
    domain=((1.0, 1e100), (0.0, 1e100)))


class InverseComptonIsotropic2D(Target):
    """(mu, z): interaction angle cosine, then z = E / (gamma m_e c^2) given mu, for an electron of
    Lorentz factor ``gamma`` in an isotropic field of photons of energy ``eps0`` (m_e c^2), head-on
    approximation (gamma >> 1)."""

    id = "inverse-compton-isotropic-2d"
    parameters = (
        ParameterSpec("gamma", "1", "electron Lorentz factor (head-on approximation: gamma >> 1)", (1.0, 1e10)),
        ParameterSpec("eps0", "m_e c^2", "seed photon energy (radio seeds down to 1e-20)", (1e-20, 1e-2)),
    )
    #: below the trained eps0: the head-on approximation depends on gamma eps0 only
    extensions = (DomainExtension(
        "eps0", "below", "Thomson scaling: in the head-on approximation the shape depends on gamma eps0 alone; "
        "below the trained eps0 the network sees eps0 at its edge and gamma' = max(gamma eps0 / edge, 1), the same "
        "product where gamma' >= 1 and otherwise b <= 4e-10 (Thomson, O(b)); the support keeps the true gamma and eps0",
        keep_product_with="gamma", partner_floor=1.0),)
    variables = (
        VariableSpec("mu", "1", "cosine of the angle between the electron velocity and the photon direction"),
        VariableSpec("z", "1", "scattered photon energy over gamma m_e c^2, in (0, b(mu) / (1 + b(mu))]"),
    )
    coordinates = ("linear", "mu_mixed", "log1p_br")
    reference_point = {"gamma": 1e5, "eps0": 10 ** -4.5}
    kernel_rate = IC_2D_RATE
    kernel_support = KernelSupport(
        "ic_2d", SUPPORT_CUDA,
        lambda k, p, prev: ((-np.ones_like(np.asarray(p[0], dtype=np.float64)),
                             np.ones_like(np.asarray(p[0], dtype=np.float64))) if k == 0 else
                            (np.zeros_like(_b_of(p, prev)), HO.z_max(_b_of(p, prev)))),
        conditional=True)
    kernel_coordinates = {
        "linear": LINEAR,
        "mu_mixed": KernelCoordinate("ic_2d_mu", MU_CUDA,
                                     emulate_prep=lambda p, prev: ((1.0 / (1.0 + c_of(p[0], p[1])),), None),
                                     emulate_map=_emulate_mu, components=(0,),
                                     torch=lambda w, lo, hi, params, prev: mu_of_w(
                                         w, 2.0 * params["gamma"] * params["eps0"])),
        "log1p_br": KernelCoordinate("ic_2d_z", Z_CUDA,
                                     emulate_prep=lambda p, prev: ((np.log1p(_b_of(p, prev)),), None),
                                     emulate_map=HO.emulate_map, components=(1,),
                                     torch=lambda w, lo, hi, params, prev: HO.z_of_w(w, _b_torch(params, prev))),
    }

    @staticmethod
    def _b(prev, params):
        return _b_of((params["gamma"], params["eps0"]), prev)

    def component_support(self, k, prev, params):
        g = np.asarray(params["gamma"], dtype=np.float64)
        if k == 0:
            return -np.ones_like(g), np.ones_like(g)
        b = self._b(prev, params)
        return np.zeros_like(b), HO.z_max(b)

    def torch_support(self, k, prev, params):
        g = params["gamma"]
        if k == 0:
            return -torch.ones_like(g), torch.ones_like(g)
        b = _b_torch(params, prev)
        return torch.zeros_like(b), b / (1.0 + b)

    def _mu_prepare(self, x, params):
        c = c_of(params["gamma"], params["eps0"])
        x, c = np.broadcast_arrays(np.asarray(x, dtype=np.float64), c)
        return x, np.clip(x, -1.0, 1.0), c

    # -- mu ----------------------------------------------------------------------------------
    def _mu_lower(self, xs, c):
        """Int over mu' in [-1, mu]: v from ln(1 + c y) to ln(1 + 2c), span log1p(c (1 + mu) / (1 + c y))."""
        y = 1.0 - xs
        return mu_mass(np.log1p(c * y), np.log1p(c * (1.0 + xs) / (1.0 + c * y)), c)

    def _mu_upper(self, xs, c):
        return mu_mass(0.0, np.log1p(c * (1.0 - xs)), c)

    def _z_params(self, x, prev, params):
        b = self._b(prev, params)
        x, b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), b)
        return x, {"b": b}

    def component_pdf(self, k, x, prev, params):
        if k == 1:
            x, zp = self._z_params(x, prev, params)
            return _HEAD_ON.component_pdf(0, x, None, zp)
        x, xs, c = self._mu_prepare(x, params)
        p = np.maximum(HO.total(np.maximum(c * (1.0 - xs), B_FLOOR)), 0.0) / mu_total(c)
        return np.where((x >= -1.0) & (x <= 1.0), p, 0.0)

    def component_cdf(self, k, x, prev, params):
        if k == 1:
            x, zp = self._z_params(x, prev, params)
            return _HEAD_ON.component_cdf(0, x, None, zp)
        x, xs, c = self._mu_prepare(x, params)
        out = self._mu_lower(xs, c) / mu_total(c)
        return np.clip(np.where(x <= -1.0, 0.0, np.where(x >= 1.0, 1.0, out)), 0.0, 1.0)

    def component_sf(self, k, x, prev, params):
        if k == 1:
            x, zp = self._z_params(x, prev, params)
            return _HEAD_ON.component_sf(0, x, None, zp)
        x, xs, c = self._mu_prepare(x, params)
        out = self._mu_upper(xs, c) / mu_total(c)
        return np.clip(np.where(x <= -1.0, 1.0, np.where(x >= 1.0, 0.0, out)), 0.0, 1.0)


    # -- the comparison with the exact-kinematics isotropic target ------------------------------
    def marginal_cdf(self, eps, gamma, eps0, n_mu: int = 4096):
        """P(gamma z <= eps) with mu integrated out (composite Gauss-Legendre over v, n_mu nodes per
        panel group): the head-on approximation of ``inverse-compton-isotropic``'s CDF."""
        c = float(c_of(gamma, eps0))
        big_v = np.log1p(2.0 * c)
        t, wt = np.polynomial.legendre.leggauss(32)
        edges = np.linspace(0.0, big_v, n_mu // 32 + 1)
        v = (0.5 * (edges[1:] - edges[:-1])[:, None] * t + 0.5 * (edges[1:] + edges[:-1])[:, None]).ravel()
        wv = (0.5 * (edges[1:] - edges[:-1])[:, None] * wt).ravel()
        dens = _mu_integrand(v, c) * wv
        b = np.maximum(np.expm1(v), B_FLOOR)
        z = np.asarray(eps, dtype=np.float64)[..., None] / gamma
        cz = _HEAD_ON.component_cdf(0, z, None, {"b": np.broadcast_to(b, z.shape[:-1] + b.shape)})
        return (cz * dens).sum(-1) / dens.sum()
