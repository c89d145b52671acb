"""Compare a Monte Carlo spectrum with the reference and with eq. 31-32; format the results."""
from __future__ import annotations

import math

from .analytic import regime, slope_table
from .montecarlo import MCSpectrum, SpectrumConfig, chi2
from .populations import PowerLaw
from .reference import reference_spectrum, total_rate_integral


def powerlaw_args(cfg: SpectrumConfig):
    """(alpha, beta, g_lo, g_hi, e_lo, e_hi) when both populations are power laws, else None."""
    el, ph = cfg.electrons, cfg.photons
    if isinstance(el, PowerLaw) and isinstance(ph, PowerLaw):
        return (el.index, ph.index, el.lo, el.hi, ph.lo, ph.hi)
    return None


def analyse(mc: MCSpectrum, cfg: SpectrumConfig, *, min_n_eff: float = 25.0) -> dict:
    """Reference spectrum, chi^2 of the MC against it, total rates and (for power laws) the slope table."""
    ref = reference_spectrum(cfg.electrons, cfg.photons, mc.edges)
    c2, dof, mask = chi2(mc, ref, min_n_eff=min_n_eff)
    out = {"reference": ref, "chi2": c2, "dof": dof, "mask": mask,
           "total_rate_mc": mc.total_rate, "total_rate_integral": total_rate_integral(cfg.electrons, cfg.photons)}
    pl = powerlaw_args(cfg)
    if pl is not None:
        out["regime"] = regime(pl[0], pl[1])
        out["slopes"] = slope_table(mc, ref, *pl, min_n_eff=min_n_eff)
    return out


def format_slopes(rows: list[dict]) -> str:
    """Markdown table of fitted vs analytic slopes."""
    lines = ["| segment | regime | segment range | fit window | analytic | MC fit | reference fit | "
             "(MC - ref) / err | MC - analytic |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mc = "n/a" if math.isnan(r["mc"]) else f"{r['mc']:.3f} ± {r['mc_err']:.1g}"
        ref = "n/a" if math.isnan(r["reference"]) else f"{r['reference']:.3f}"
        diff = "n/a" if math.isnan(r["mc"]) else f"{r['mc_minus_analytic']:+.3f}"
        pull = "n/a" if math.isnan(r["mc_minus_reference_sigma"]) else f"{r['mc_minus_reference_sigma']:+.1f}"
        lines.append(f"| {r['segment']} | {r['regime']} | {r['lo']:.0e} – {r['hi']:.0e} | "
                     f"{r['fit_lo']:.1e} – {r['fit_hi']:.1e} ({r['bins']} bins) | {r['analytic']:.2f} | {mc} | "
                     f"{ref} | {pull} | {diff} |")
    return "\n".join(lines)


def summary(mc: MCSpectrum, res: dict, label: str = "") -> str:
    """Human-readable summary of one run."""
    cfg = mc.config
    lines = [f"{label}samples {cfg['n_gamma']}x{cfg['n_eps0']} cells x {cfg['n_per_cell']} "
             f"= {cfg['n_gamma'] * cfg['n_eps0'] * cfg['n_per_cell']:.3g}, seed {cfg['seed']}, "
             f"jitter {cfg['jitter']}, MC wall {mc.wall_s:.1f} s",
             f"total rate [sigma_T c n_e n_ph]: MC {res['total_rate_mc']:.6g} ± {mc.total_rate_error:.2g}, "
             f"integral {res['total_rate_integral']:.6g}",
             f"chi2/dof = {res['chi2']:.1f}/{res['dof']} = {res['chi2'] / max(res['dof'], 1):.3f}"]
    if "slopes" in res:
        lines.append(f"regime: {res['regime']}")
        lines.append(format_slopes(res["slopes"]))
    return "\n".join(lines)
