"""Figures in the style of the seed paper's Fig. 2-4: sampled histograms over the exact pdf.

Needs matplotlib (``pip install ".[plot]"`` in a radzoo checkout, or ``pip install matplotlib``).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .samplers.validation import heldout_grid


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("plotting needs matplotlib: pip install '.[plot]' in a radzoo checkout "
                           "(or pip install matplotlib)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _support(target, params) -> tuple[float, float]:
    lo, hi = (float(np.asarray(v).reshape(-1)[0]) for v in target.support(**params))
    return lo, hi


def plot_validation(sampler, path: str, *, n_samples: int = 100_000, n_points: int = 4, seed: int = 0) -> None:
    """One column per held-out point: the histogram of ``n_samples`` network samples (dotted) over
    the exact pdf (line), and below it the map's error in CDF units, C(ppf(u)) - u, on a dense u
    grid (what the card's KS is the maximum of; sampling noise plays no part there).

    Each column has its own axes (a spike at one point cannot flatten the others). The x axis is
    logarithmic where the support spans more than two decades (the density then per unit ln x,
    x pdf(x)); the band is the expected Poisson noise (+-1 sigma of the bin count), drawn only
    where a bin expects at least one sample, and the y axis ends at one expected count.
    """
    plt = _pyplot()
    gen = torch.Generator().manual_seed(seed)
    target = sampler.target
    if sampler.dim == 2:
        _plot_2d(plt, sampler, path, n_samples * 10, gen)
        return
    points = heldout_grid(sampler.card, 8)
    idx = np.unique(np.round(np.linspace(0, len(points) - 1, min(n_points, len(points)))).astype(int))
    fig, axes = plt.subplots(2, len(idx), figsize=(3.6 * len(idx), 6.2), squeeze=False,
                             gridspec_kw={"height_ratios": [2.2, 1]})
    var = sampler.card.target.variables[0]
    u = np.linspace(0.0, 1.0, 1 << 12)
    for j, i in enumerate(idx):
        params = points[i]
        ax, res = axes[0, j], axes[1, j]
        x = sampler.sample(n_samples, generator=gen, dtype=torch.float64, **params).numpy()
        lo, hi = _support(target, params)
        logx = lo > 0 and hi / lo > 100.0
        if logx:
            edges = np.logspace(math.log10(lo), math.log10(hi), 81)
            width = np.diff(np.log(edges))
        else:
            edges = np.linspace(lo, hi, 81)
            width = np.diff(edges)
        counts, _ = np.histogram(x, bins=edges)
        mids = np.sqrt(edges[1:] * edges[:-1]) if logx else 0.5 * (edges[1:] + edges[:-1])
        expect = np.diff(target.cdf(edges, **params)) * n_samples
        scale = 1.0 / (n_samples * width)
        seen = expect >= 1.0
        ax.fill_between(mids, np.clip(expect - np.sqrt(expect), 0.0, None) * scale,
                        (expect + np.sqrt(expect)) * scale, where=seen, color="C0", alpha=0.25, lw=0)
        ax.plot(mids, expect * scale, color="C0", lw=1.5, label="exact")
        ax.step(mids, counts * scale, where="mid", color="C1", ls=":", lw=1.5, label="network")
        if logx:
            ax.set_xscale("log")
            ax.set_yscale("log")
            floor = float(np.min(scale[seen])) if seen.any() else None
            if floor:
                ax.set_ylim(bottom=floor)
        ax.set_ylabel(f"dP / d ln {var.name}" if logx else f"dP / d{var.name}")
        ax.set_title(", ".join(f"{k}={v:.3g}" for k, v in params.items()) or "no parameters", fontsize=9)
        ax.legend(fontsize=7)
        # the map's error in CDF units on a dense u grid
        xu = sampler.ppf(torch.from_numpy(u), dtype=torch.float64, **params).numpy()
        err = target.cdf(xu, **params) - u
        res.plot(u, err, color="C3", lw=1)
        res.axhline(0.0, color="k", lw=0.5)
        res.set_xlabel("u")
        res.set_ylabel("C(ppf(u)) - u")
        res.set_title(f"max |C(ppf(u)) - u| = {np.max(np.abs(err)):.1e}", fontsize=8)
        ax.set_xlabel(f"{var.name} [{var.unit}]")
    fig.suptitle(f"{sampler.card.name} v{sampler.card.version}: {n_samples:.0e} samples per point over the exact "
                 "pdf (band: +-1 sigma), and the map's CDF error", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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


def plot_surrogate_slices(model, dataset, path: str, *, which: str = "median", mc_samples: int = 20,
                          seed: int = 0) -> dict:
    """Wake slices of one held-out field: truth, prediction, |error| and the Monte Carlo dropout std.

    Rows Ws, Wx, Wy; columns truth, prediction (dropout off), |prediction - truth| and the std of
    ``mc_samples`` dropout passes, all on the (s, x) plane through the bunch centre (for Wy, odd in
    y and 0 there, the plane nearest y = +sigma_y of the bunch, or +4 cells for a density). Colour
    scales are shared by truth and prediction, and by error and std, per row.

    ``dataset``: the card's training set (path or ``WakeDataset``); ``which``: ``"median"`` or
    ``"worst"`` (the held-out field of median or largest mean relative MAE), or an
    out-of-distribution family of the dataset (``"two-bunch"``, ``"skewed"``, ...; density models).
    Returns what was drawn: the field's label and its relative MAE per component.
    """
    from .surrogates.validation import _predict, checked_dataset, relative_mae

    plt = _pyplot()
    ds = checked_dataset(model.card, dataset)
    field = model.card.inputs[0].kind == "field"
    if which in ("median", "worst"):
        idx = np.flatnonzero(ds.test)
        inputs = ds.densities(idx) if field else ds.sigma[idx]
        preds, _ = _predict(model, inputs)
        err = relative_mae(preds, ds.W[idx]).mean(axis=1)
        k = int(np.argmax(err)) if which == "worst" else int(np.argsort(err)[len(err) // 2])
        i = int(idx[k])
        x_in = inputs[k:k + 1]
        pred = preds[k]
        true = ds.W[i]
        sig = ds.sigma[i]
        label = f"held-out {which}: sigma_s, sigma_x, sigma_y = " + ", ".join(f"{v * 1e6:.1f}" for v in sig) + " um"
    else:
        kinds = np.array(ds.ood_kind)
        if not field or which not in kinds:
            allowed = ["median", "worst"] + (sorted(set(ds.ood_kind)) if field else [])
            raise ValueError(f"which must be one of {allowed}, got {which!r}")
        i = int(np.flatnonzero(kinds == which)[0])
        x_in = ds.ood_density[i:i + 1]
        true = ds.ood_W[i]
        sig = None
        label = f"out of distribution: {which}"
        pred = _predict(model, x_in)[0][0]
    std = _predict(model, x_in, mc_samples=mc_samples, seed=seed)[1][0]
    mae = relative_mae(pred[None], true[None])[0]
    s, x, y = ds.grid.coords
    iy0 = int(np.argmin(np.abs(y)))
    iy_odd = int(np.argmin(np.abs(y - sig[2]))) if sig is not None else min(iy0 + 4, len(y) - 1)
    ext = [x[0] * 1e6, x[-1] * 1e6, s[0] * 1e6, s[-1] * 1e6]
    fig, axes = plt.subplots(3, 4, figsize=(13, 9.5), sharex=True, sharey=True, layout="constrained")
    for r, comp in enumerate(model.components):
        iy = iy_odd if comp == "Wy" else iy0
        t, p, e, sd = true[r][:, :, iy], pred[r][:, :, iy], np.abs(pred[r] - true[r])[:, :, iy], std[r][:, :, iy]
        vmax = float(max(np.abs(t).max(), np.abs(p).max()))
        emax = float(max(e.max(), sd.max()))
        panels = [(t, "truth (CSR computation)", "RdBu_r", -vmax, vmax), (p, "prediction", "RdBu_r", -vmax, vmax),
                  (e, "|error|", "magma", 0, emax),
                  (sd, f"MC dropout std ({mc_samples} passes)", "magma", 0, emax)]
        for c, (img, title, cmap, lo, hi) in enumerate(panels):
            ax = axes[r, c]
            im = ax.imshow(img, origin="lower", extent=ext, aspect="auto", cmap=cmap, vmin=lo, vmax=hi)
            if r == 0:
                ax.set_title(title, fontsize=10)
            if c == 0:
                ax.set_ylabel(f"{comp}, y = {y[iy] * 1e6:+.1f} um\ns [um]")
            if c in (1, 3):
                fig.colorbar(im, ax=axes[r, c - 1:c + 1], shrink=0.9, pad=0.01,
                             label=model.units[comp] + (" (|error|, std)" if c == 3 else ""))
            if r == 2:
                ax.set_xlabel("x [um]")
        axes[r, 2].text(0.03, 0.92, f"MAE/std {mae[r]:.2%}", transform=axes[r, 2].transAxes, color="w", fontsize=9)
    fig.suptitle(f"{model.card.name} v{model.card.version}: {label}", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return {"field": label, "mae_relative": {c: float(v) for c, v in zip(model.components, mae)}}
