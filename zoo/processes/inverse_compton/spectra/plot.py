"""Fig. 5 style plots: MC histogram over the direct integration, analytic slopes and breaks, pulls."""
from __future__ import annotations

import math

import numpy as np

from .analytic import breaks, segments

#: pulls beyond this are drawn as triangles at the edge of the pull panel
PULL_LIM = 5.0


def _guide_lines(ax, seg, ref_centres, ref, mask):
    """Draw the analytic power law of a segment through the reference at the segment's log-centre."""
    lo, hi = seg.lo, seg.hi
    sel = (ref_centres >= lo) & (ref_centres <= hi) & mask & (ref > 0)
    if sel.sum() < 2:
        return
    mid = math.sqrt(lo * hi)
    k = np.argmin(np.abs(np.log(ref_centres[sel] / mid)))
    x0, y0 = ref_centres[sel][k], ref[sel][k]
    x = np.geomspace(lo, hi, 16)
    ax.plot(x, 3.0 * y0 * (x / x0) ** seg.slope, color="0.55", lw=1.0, ls="-", zorder=1)
    ax.text(mid, 6.0 * y0, f"{seg.slope:+.2f}", color="0.35", fontsize=7, ha="center", va="bottom")


def draw_panel(ax, ax_pull, runs, *, title=""):
    """``runs``: list of dicts with keys mc (MCSpectrum), ref (array), label, color, and optionally
    powerlaw = (alpha, beta, g_lo, g_hi, e_lo, e_hi) for the guides of eq. 31-32, min_n_eff."""
    for r in runs:
        mc, ref, color = r["mc"], r["ref"], r["color"]
        mask = mc.n_eff >= r.get("min_n_eff", 25.0)
        x = mc.centres
        ax.stairs(np.where(mc.value > 0, mc.value, np.nan), mc.edges, color=color, lw=1.4,
                  label=f"{r['label']} MC")
        ax.plot(x, np.where(ref > 0, ref, np.nan), color="k", lw=0.9,
                label="direct integration" if r is runs[0] else None)
        if "powerlaw" in r:
            segs = segments(*r["powerlaw"])
            for seg in segs:
                _guide_lines(ax, seg, x, ref, mask)
            for b in breaks(segs):
                ax.axvline(b, color=color, ls=":", lw=0.9)
        with np.errstate(invalid="ignore", divide="ignore"):
            pull = np.where(mask, (mc.value - ref) / mc.error, np.nan)
        inside = np.abs(pull) <= PULL_LIM
        ax_pull.plot(x[inside], pull[inside], ".", color=color, ms=3)
        for sign, marker in ((1, "^"), (-1, "v")):  # out-of-range pulls drawn at the edge
            out = sign * pull > PULL_LIM
            ax_pull.plot(x[out], np.full(out.sum(), sign * 0.96 * PULL_LIM), marker, color=color, ms=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel(r"$dN/(dt\,dV\,d\epsilon_{ph})$  [$\sigma_T c\, n_e n_{ph}$]")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    ax_pull.axhline(0, color="k", lw=0.6)
    for s in (-2, 2):
        ax_pull.axhline(s, color="0.7", lw=0.6, ls="--")
    ax_pull.set_ylim(-PULL_LIM, PULL_LIM)
    ax_pull.set_xscale("log")
    ax_pull.set_xlabel(r"$\epsilon_{ph}$  [$m_e c^2$]")
    ax_pull.set_ylabel("(MC - ref) / err")
    lo = min(r["mc"].edges[0] for r in runs)
    hi = max(r["mc"].edges[-1] for r in runs)
    ax.set_xlim(lo, hi)
    ax_pull.set_xlim(lo, hi)
    vals = np.concatenate([r["ref"][r["mc"].n_eff >= r.get("min_n_eff", 25.0)] for r in runs])
    vals = vals[vals > 0]
    if vals.size:
        ax.set_ylim(vals.min() / 30, vals.max() * 30)


def plot_panels(panels, path, *, suptitle=""):
    """One column per panel: ``panels`` is a list of (title, runs) (see draw_panel); writes ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(panels), figsize=(6.2 * len(panels), 6.4), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]}, sharex="col")
    for k, (title, runs) in enumerate(panels):
        draw_panel(axes[0, k], axes[1, k], runs, title=title)
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
