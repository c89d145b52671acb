"""Figures in the style of the seed paper's Fig. 2-4: sampled histograms over the exact pdf.

Needs matplotlib (``pip install radzoo[plot]``).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .validation import heldout_grid


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("plotting needs matplotlib: pip install 'radzoo[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_validation(sampler, path: str, *, n_samples: int = 100_000, n_points: int = 4, seed: int = 0) -> None:
    """Histogram of n_samples network samples at held-out points over the exact pdf.

    The band is the expected Poisson noise (±1 sigma of the bin count); for targets with
    log binning the density is shown per unit ln(x), i.e. x * pdf(x).
    """
    plt = _pyplot()
    gen = torch.Generator().manual_seed(seed)
    target = sampler.target
    if sampler.dim == 2:
        _plot_2d(plt, sampler, path, n_samples * 10, gen)
        return
    points = heldout_grid(sampler.card, 8)
    idx = np.unique(np.round(np.linspace(0, len(points) - 1, min(n_points, len(points)))).astype(int))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for j, i in enumerate(idx):
        params = points[i]
        x = sampler.sample(n_samples, generator=gen, dtype=torch.float64, **params).numpy()
        lo, hi = (float(np.asarray(v).reshape(-1)[0]) for v in target.support(**params))
        color = f"C{j}"
        label = ", ".join(f"{k}={v:.3g}" for k, v in params.items()) or "exact"
        if target.log_binning:
            edges = np.logspace(math.log10(lo), math.log10(hi), 81)
            width = np.diff(np.log(edges))
        else:
            edges = np.linspace(lo, hi, 81)
            width = np.diff(edges)
        counts, _ = np.histogram(x, bins=edges)
        mids = np.sqrt(edges[1:] * edges[:-1]) if target.log_binning else 0.5 * (edges[1:] + edges[:-1])
        exact_p = np.diff(target.cdf(edges, **params))
        expect = exact_p * n_samples
        scale = 1.0 / (n_samples * width)
        ax.fill_between(mids, (expect - np.sqrt(expect)) * scale, (expect + np.sqrt(expect)) * scale,
                        color=color, alpha=0.25, lw=0)
        ax.plot(mids, expect * scale, color=color, lw=1.5, label=label)
        ax.step(mids, counts * scale, where="mid", color=color, ls=":", lw=1.5)
    var = sampler.card.target.variables[0]
    if target.log_binning:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel(f"dP / d ln {var.name}")
    else:
        ax.set_ylabel(f"dP / d{var.name}")
    ax.set_xlabel(f"{var.name} [{var.unit}]")
    ax.set_title(f"{sampler.card.name}: {n_samples:.0e} samples (dotted) over the exact pdf (band: ±1σ)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_2d(plt, sampler, path, n_samples, gen):
    x = sampler.sample(n_samples, generator=gen, dtype=torch.float64).numpy()
    edges = np.linspace(0, 1, 61)
    h, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=[edges, edges], density=True)
    mid = 0.5 * (edges[1:] + edges[:-1])
    xx, yy = np.meshgrid(mid, mid, indexing="ij")
    exact = sampler.target.pdf(np.stack([xx, yy], -1))
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    for ax, img, title in ((axes[0], exact, "exact pdf"), (axes[1], h, f"{n_samples:.0e} network samples")):
        m = ax.imshow(img.T, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=exact.max())
        ax.set_title(title)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    fig.colorbar(m, ax=axes, shrink=0.8)
    fig.savefig(path, dpi=120)
    plt.close(fig)
