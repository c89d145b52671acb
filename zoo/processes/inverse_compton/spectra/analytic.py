"""Analytic broken power laws of the IC spectrum of power-law populations (paper eq. 31-32).

For n_e ∝ gamma^-alpha on [g_lo, g_hi] and n ∝ eps0^-beta on [e_lo, e_hi], the photon
number spectrum dN/deps is a broken power law. The gamma integral along a line of
constant eps ~ gamma^2 eps0 goes as ∫ gamma^(2 beta - 2 - alpha) dgamma, so it is
dominated by the lowest gamma when alpha > 2 beta - 1 (eq. 31) and by the highest when
alpha < 2 beta - 1 (eq. 32):

eq. 31 (alpha > 2 beta - 1), breaks g_lo^2 e_hi, 1/e_hi, 1/e_lo:
    -beta            g_lo^2 e_lo < eps < g_lo^2 e_hi      Thomson
    -(alpha + 1)/2   g_lo^2 e_hi < eps < 1/e_hi           Thomson
    -(alpha + 1) + beta   1/e_hi < eps < 1/e_lo           Klein-Nishina
    -(alpha + 1)     1/e_lo < eps < g_hi                  Klein-Nishina
eq. 32 (alpha <= 2 beta - 1), breaks g_hi^2 e_lo, 1/e_lo:
    -(alpha + 1)/2   g_lo^2 e_lo < eps < min(g_hi^2 e_lo, 1/e_lo)   Thomson
    -beta            g_hi^2 e_lo < eps < 1/e_lo           Thomson
    -(alpha + 1)     1/e_lo < eps < g_hi                  Klein-Nishina

The paper writes the first range of eq. 31 as g_lo < eps; it starts where the lowest
electrons scatter the softest photons, g_lo^2 e_lo, which is what we use. Segments are
clipped to [g_lo^2 e_lo, eps_max(g_hi, e_hi)] and empty ones dropped. The KN segments
carry logarithmic factors (ln(gamma eps0)), so their local slopes differ from the
integer-like exponents above; the Thomson ones should be met to a few 1e-2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..isotropic import eps_max


@dataclass(frozen=True)
class Segment:
    """One power-law segment: dN/deps ∝ eps^slope on [lo, hi] (m_e c^2)."""

    lo: float
    hi: float
    slope: float
    formula: str
    regime: str  # "Thomson" or "Klein-Nishina"

    def fit_window(self, margin_decades: float = 1.0) -> tuple[float, float]:
        """The segment shrunk by ``margin_decades`` at both ends where it is wide enough to keep a window
        of at least one decade; narrower segments keep their central decade (or central half)."""
        width = math.log10(self.hi / self.lo)
        m = min(margin_decades, max((width - 1.0) / 2.0, width / 4.0))
        return self.lo * 10 ** m, self.hi * 10 ** -m


def regime(alpha: float, beta: float) -> str:
    """'eq. 31' if alpha > 2 beta - 1 (three breaks), else 'eq. 32' (two breaks)."""
    return "eq. 31" if alpha > 2.0 * beta - 1.0 else "eq. 32"


def segments(alpha, beta, g_lo, g_hi, e_lo, e_hi) -> list[Segment]:
    """The non-empty segments of eq. 31 or eq. 32 for these populations (see module docstring)."""
    bottom, top = g_lo * g_lo * e_lo, float(eps_max(g_hi, e_hi))
    if regime(alpha, beta) == "eq. 31":
        raw = [(bottom, g_lo * g_lo * e_hi, -beta, "-beta", "Thomson"),
               (g_lo * g_lo * e_hi, 1.0 / e_hi, -(alpha + 1) / 2, "-(alpha+1)/2", "Thomson"),
               (1.0 / e_hi, 1.0 / e_lo, -(alpha + 1) + beta, "-(alpha+1)+beta", "Klein-Nishina"),
               (1.0 / e_lo, g_hi, -(alpha + 1), "-(alpha+1)", "Klein-Nishina")]
    else:
        raw = [(bottom, min(g_hi * g_hi * e_lo, 1.0 / e_lo), -(alpha + 1) / 2, "-(alpha+1)/2", "Thomson"),
               (g_hi * g_hi * e_lo, 1.0 / e_lo, -beta, "-beta", "Thomson"),
               (1.0 / e_lo, g_hi, -(alpha + 1), "-(alpha+1)", "Klein-Nishina")]
    out = []
    for lo, hi, slope, formula, reg in raw:
        lo, hi = max(lo, bottom), min(hi, top)
        if hi > lo * (1 + 1e-12):
            out.append(Segment(lo, hi, slope, formula, reg))
    return out


def breaks(segs: list[Segment]) -> list[float]:
    """Energies between consecutive segments (the vertical lines of Fig. 5)."""
    return [s.hi for s in segs[:-1]]


def fit_slope(centres, value, error, lo, hi, mask=None) -> tuple[float, float, int]:
    """Weighted least-squares slope of ln(value) against ln(eps) over bins with centres in [lo, hi].

    Returns (slope, 1-sigma error, number of bins); (nan, nan, n) with fewer than 3 bins.
    ``error`` may be None (unweighted fit, e.g. of a reference curve).
    """
    centres, value = np.asarray(centres), np.asarray(value)
    sel = (centres >= lo) & (centres <= hi) & (value > 0)
    if mask is not None:
        sel &= mask
    n = int(sel.sum())
    if n < 3:
        return math.nan, math.nan, n
    x, y = np.log(centres[sel]), np.log(value[sel])
    sig = np.ones_like(y) if error is None else np.asarray(error)[sel] / value[sel]
    wts = 1.0 / sig ** 2
    xm = np.sum(wts * x) / np.sum(wts)
    sxx = np.sum(wts * (x - xm) ** 2)
    slope = np.sum(wts * (x - xm) * y) / sxx
    err = math.sqrt(1.0 / sxx) if error is not None else 0.0
    return float(slope), err, n


def slope_table(mc, ref, alpha, beta, g_lo, g_hi, e_lo, e_hi, *, min_n_eff: float = 25.0,
                margin_decades: float = 1.0) -> list[dict]:
    """Fitted slopes of the MC spectrum (and of the reference) per segment, beside eq. 31-32."""
    rows = []
    for seg in segments(alpha, beta, g_lo, g_hi, e_lo, e_hi):
        lo, hi = seg.fit_window(margin_decades)
        s_mc, e_mc, n = fit_slope(mc.centres, mc.value, mc.error, lo, hi, mask=mc.n_eff >= min_n_eff)
        # same bins and the same weights (the MC errors), so the two fits differ only by the data
        s_ref, _, _ = fit_slope(mc.centres, ref, mc.error, lo, hi, mask=mc.n_eff >= min_n_eff)
        rows.append({"segment": seg.formula, "regime": seg.regime, "lo": seg.lo, "hi": seg.hi,
                     "fit_lo": lo, "fit_hi": hi, "bins": n, "analytic": seg.slope, "mc": s_mc,
                     "mc_err": e_mc, "reference": s_ref, "mc_minus_analytic": s_mc - seg.slope,
                     "mc_minus_reference_sigma": (s_mc - s_ref) / e_mc if e_mc > 0 else math.nan})
    return rows
