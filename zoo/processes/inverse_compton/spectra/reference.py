"""Reference spectrum: direct numerical integration of eq. 28 over both populations.

    S(eps) = ∫∫ n_e(gamma) n(eps0) dR/deps(eps; gamma, eps0) dgamma deps0
             [sigma_T c x [n_e] x [n_ph] per unit eps (m_e c^2)^-1]

with dR/deps from :func:`zoo.processes.inverse_compton.rates.rate_density`. For each eps the eps0
integral runs over [eps0_lo, min(eps0_hi, eps)], split where the kinematic threshold
gamma_thr(eps, eps0) crosses gamma_lo or gamma_hi (the integrand's kinks), and the gamma
integral over [max(gamma_lo, gamma_thr), gamma_hi] in ln(gamma - eps) (which
resolves the Klein-Nishina threshold); both with composite Gauss-Legendre panels. Bin averages
integrate S over each bin with Gauss-Legendre nodes in ln eps, splitting bins at the spectrum's
kinks (the kinematic maxima of the population corners and the eps0 bounds). Relative accuracy
~1e-6 for power laws (checked by doubling the nodes and against scipy quadrature in
the tests); tabulated populations get the same panels, so their kinks between table
nodes converge more slowly.
"""
from __future__ import annotations

import numpy as np

from ....targets.base import gauss_legendre
from ..rates import gamma_threshold, rate_density
from ..isotropic import eps_max


def _panel_nodes(a, b, panels: int, order: int):
    """Nodes and weights of composite Gauss-Legendre on [a, b] (broadcast arrays, a <= b), last axis nodes."""
    x, w = gauss_legendre(order)
    a, b = np.asarray(a)[..., None], np.asarray(b)[..., None]
    s = (np.arange(panels)[:, None] + x[None, :]).reshape(-1) / panels  # in [0, 1]
    width = np.maximum(b - a, 0.0)
    return a + width * s, width * np.tile(w, panels) / panels


def _eps0_breaks(eps, electrons, photons):
    """(n, 4) break points of the eps0 integral for each eps, clipped to [lo, hi(eps)]."""
    (g_lo, g_hi), (e_lo, e_hi) = electrons.bounds, photons.bounds
    hi = np.minimum(e_hi, eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        # eps0 at which gamma_thr(eps, eps0) = gamma, i.e. eps = gamma b / (1 + b): eps / (4 gamma (gamma - eps))
        at_g_hi = np.where(eps < g_hi, eps / (4 * g_hi * (g_hi - eps)), np.inf)
        at_g_lo = np.where(eps < g_lo, eps / (4 * g_lo * (g_lo - eps)), np.inf)
    pts = np.stack([np.full_like(eps, e_lo), at_g_hi, at_g_lo, hi], axis=-1)
    lo_eff = np.maximum(e_lo, at_g_hi)  # below at_g_hi no electron reaches eps
    return np.sort(np.clip(pts, lo_eff[:, None], np.maximum(hi, lo_eff)[:, None]), axis=-1)


def point_spectrum(eps, electrons, photons, *, order: int = 10, panels_gamma: int = 12,
                   panels_eps0: int = 6, chunk: int = 32) -> np.ndarray:
    """S(eps) at the given outgoing energies [m_e c^2] (see module docstring for units)."""
    eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
    out = np.empty_like(eps)
    g_lo, g_hi = electrons.bounds
    for start in range(0, eps.size, chunk):
        e = eps[start:start + chunk]
        br = np.log(_eps0_breaks(e, electrons, photons))                       # (m, 4)
        t0, w0 = _panel_nodes(br[:, :-1], br[:, 1:], panels_eps0, order)       # (m, 3, P*G)
        t0, w0 = t0.reshape(e.size, -1), w0.reshape(e.size, -1)               # (m, K)
        eps0 = np.exp(t0)
        outer = w0 * eps0 * photons.density(eps0)                              # deps0 = eps0 dt
        ee = e[:, None]
        # gamma integral in s = ln(gamma - eps): resolves the Klein-Nishina threshold, where the
        # integrand lives within gamma - eps ~ eps / b of gamma_thr, and is ~ ln gamma in Thomson
        g_start = np.clip(gamma_threshold(ee, eps0), g_lo, g_hi)
        s_lo = np.log(g_start - ee)
        ts, wg = _panel_nodes(s_lo, np.maximum(np.log(g_hi - ee), s_lo), panels_gamma, order)  # (m, K, L)
        gamma = ee[..., None] + np.exp(ts)
        inner = wg * np.exp(ts) * electrons.density(gamma) * rate_density(ee[..., None], gamma, eps0[..., None])
        out[start:start + chunk] = np.sum(outer * inner.sum(-1), axis=-1)
    return out


def spectrum_kinks(electrons, photons) -> np.ndarray:
    """Outgoing energies where S(eps) has a kink: eps0 bounds and the kinematic maxima of the corners."""
    (g_lo, g_hi), (e_lo, e_hi) = electrons.bounds, photons.bounds
    corners = [float(eps_max(g, e)) for g in (g_lo, g_hi) for e in (e_lo, e_hi)]
    return np.unique(np.array([e_lo, e_hi, *corners]))


def reference_spectrum(electrons, photons, edges, *, order_eps: int = 6, **kw) -> np.ndarray:
    """Bin averages (1/d_k) ∫_bin S(eps) deps over the bins ``edges`` [m_e c^2]; see point_spectrum."""
    edges = np.asarray(edges, dtype=np.float64)
    lo, hi = edges[:-1, None], edges[1:, None]
    kinks = spectrum_kinks(electrons, photons)[None, :]
    pts = np.sort(np.concatenate([lo, np.clip(kinks, lo, hi), hi], axis=1), axis=1)  # (nb, 2 + nk)
    t, w = _panel_nodes(np.log(pts[:, :-1]), np.log(pts[:, 1:]), 1, order_eps)      # (nb, pieces, G)
    eps = np.exp(t)
    s = np.zeros_like(eps)
    used = w > 0  # most bins hold no kink: skip the empty pieces
    s[used] = point_spectrum(eps[used], electrons, photons, **kw)
    return np.sum(w * eps * s, axis=(1, 2)) / (edges[1:] - edges[:-1])


def total_rate_integral(electrons, photons, *, order: int = 8, panels: int = 24) -> float:
    """∫∫ n_e(gamma) n(eps0) R(gamma, eps0) dgamma deps0 (the spectrum's integral over all eps)."""
    from ..rates import total_rate

    (g_lo, g_hi), (e_lo, e_hi) = electrons.bounds, photons.bounds
    tg, wg = _panel_nodes(np.log(g_lo), np.log(g_hi), panels, order)
    te, we = _panel_nodes(np.log(e_lo), np.log(e_hi), panels, order)
    g, e = np.exp(tg)[:, None], np.exp(te)[None, :]
    integrand = electrons.density(g) * g * photons.density(e) * e * total_rate(g, e)
    return float(np.sum(wg[:, None] * we[None, :] * integrand))
