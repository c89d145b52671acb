"""Monte Carlo photon spectrum of a particle population with a zoo sampler (paper section 4.3).

As in the paper, the (gamma, eps0) plane is cut into a log-spaced grid of
``n_gamma x n_eps0`` cells and ``n_per_cell`` outgoing energies are drawn for every
cell, weighted by the populations and by the exact total rate, and histogrammed in
log-spaced outgoing energy. By default (``jitter=True``) every sample gets its own
(gamma, eps0), drawn log-uniformly inside its cell (stratified sampling; log-uniform
rather than from the population, which would starve the high-energy end of every
cell), so the expectation of the histogram is the exact double
integral over the populations (no grid discretisation error); ``jitter=False`` uses
the cells' geometric centres (the paper's fixed grid, a midpoint rule).

Estimator, for bin k of width d_k and cell c:

    w = n_e(gamma) gamma dlg * n(eps0) eps0 dle * R(gamma, eps0)     per sample (dlg, dle: log cell widths)
    S_k = sum_c sum_{s in c, x_s in k} w_s / (n_per_cell d_k)       [dN/(dt dV deps)]
    var S_k = sum_c (sum w_s^2 - (sum w_s)^2 / N) / (N (N - 1) d_k^2)   (stratified, N = n_per_cell)

in units of sigma_T c x [n_e total] x [n_ph total] per unit eps (m_e c^2)^-1 (R from
:func:`zoo.processes.inverse_compton.rates.total_rate`).

Determinism: the random numbers of cell c (u, and the jitter) come from
``numpy.random.SeedSequence(seed, spawn_key=(c,))`` only. Work is done in blocks of
``block_cells`` consecutive cells (one batched sampler call each, per-sample
parameters); block sums are reduced in block order. The result is therefore
bit-identical however the blocks are spread over processes or machines (see
:mod:`zoo.processes.inverse_compton.spectra.distributed`), on the same device type.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..rates import total_rate
from ..isotropic import eps_max


#: default number of samples per block (one batched sampler call, the unit of progress and sharding)
BLOCK_SAMPLES = 1 << 17


def log_edges(lo: float, hi: float, per_decade: int) -> np.ndarray:
    """Log-spaced edges on a fixed decade lattice (10^(k/per_decade)) covering [lo, hi]."""
    a = math.floor(math.log10(lo) * per_decade + 1e-9)
    b = math.ceil(math.log10(hi) * per_decade - 1e-9)
    return 10.0 ** (np.arange(a, b + 1) / per_decade)


@dataclass
class SpectrumConfig:
    """What to compute. Populations: see :mod:`zoo.processes.inverse_compton.spectra.populations`.

    ``edges``: outgoing-energy bin edges [m_e c^2]; default log-spaced, ``bins_per_decade``
    per decade, from the lowest eps0 to the kinematic maximum of (gamma_max, eps0_max).
    ``block_cells``: cells per batched sampler call (default: BLOCK_SAMPLES // n_per_cell);
    part of the configuration, since the network's batch shapes may change the last bits.
    """

    electrons: Any
    photons: Any
    n_gamma: int = 100
    n_eps0: int = 100
    n_per_cell: int = 100
    bins_per_decade: int = 8
    edges: np.ndarray | None = None
    seed: int = 0
    jitter: bool = True
    block_cells: int | None = None
    allow_extrapolation: bool = False

    def __post_init__(self):
        if self.block_cells is None:  # ~2^17 samples per sampler call
            self.block_cells = max(1, BLOCK_SAMPLES // int(self.n_per_cell))
        for name in ("n_gamma", "n_eps0", "block_cells", "bins_per_decade"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1")
        if int(self.n_per_cell) < 2:
            raise ValueError("n_per_cell must be >= 2 (the error estimate needs two samples per cell)")
        if self.edges is None:
            (_, g_hi), (e_lo, e_hi) = self.electrons.bounds, self.photons.bounds
            self.edges = log_edges(e_lo, float(eps_max(g_hi, e_hi)), self.bins_per_decade)
        self.edges = np.asarray(self.edges, dtype=np.float64)
        if self.edges.ndim != 1 or self.edges.size < 2 or np.any(np.diff(self.edges) <= 0) or self.edges[0] <= 0:
            raise ValueError("edges must be positive and strictly increasing")

    @property
    def n_cells(self) -> int:
        return self.n_gamma * self.n_eps0

    @property
    def n_blocks(self) -> int:
        return -(-self.n_cells // self.block_cells)

    @property
    def n_samples(self) -> int:
        return self.n_cells * self.n_per_cell

    def log_grid(self, population, n: int) -> np.ndarray:
        lo, hi = population.bounds
        return np.linspace(math.log(lo), math.log(hi), n + 1)

    def describe(self) -> dict:
        return {k: getattr(self, k) for k in ("n_gamma", "n_eps0", "n_per_cell", "bins_per_decade", "seed",
                                                "jitter", "block_cells")}


@dataclass
class BlockSums:
    """Per-bin sums of one block of cells (the unit of work, progress and sharding)."""

    index: int
    s1: np.ndarray      # sum of weights per bin
    s2: np.ndarray      # sum of squared weights per bin
    var: np.ndarray     # stratified variance of the bin sums (times N^2), see module docstring
    counts: np.ndarray  # raw number of samples per bin
    total: float        # sum of all weights (in or out of the bins)
    total_var: float    # its stratified variance (times N^2)


def cell_draws(seed: int, cell: int, n: int) -> np.ndarray:
    """(n, 3) uniforms of one cell: u, gamma jitter, eps0 jitter; depends only on (seed, cell)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(cell,))))
    return rng.random((n, 3))


def block_parameters(cfg: SpectrumConfig, block: int):
    """u, gamma, eps0, weight and local cell index of every sample of a block (float64 numpy)."""
    c0 = block * cfg.block_cells
    cells = np.arange(c0, min(c0 + cfg.block_cells, cfg.n_cells))
    n = cfg.n_per_cell
    draws = np.concatenate([cell_draws(cfg.seed, int(c), n) for c in cells])
    lg, le = cfg.log_grid(cfg.electrons, cfg.n_gamma), cfg.log_grid(cfg.photons, cfg.n_eps0)
    i, j = np.repeat(cells // cfg.n_eps0, n), np.repeat(cells % cfg.n_eps0, n)
    if cfg.jitter:
        gamma, w_e = cfg.electrons.cell_sample(lg[i], lg[i + 1], draws[:, 1])
        eps0, w_p = cfg.photons.cell_sample(le[j], le[j + 1], draws[:, 2])
    else:  # cell centres, midpoint rule in the log variables
        gamma, eps0 = np.exp(0.5 * (lg[i] + lg[i + 1])), np.exp(0.5 * (le[j] + le[j + 1]))
        w_e = cfg.electrons.density(gamma) * gamma * (lg[i + 1] - lg[i])
        w_p = cfg.photons.density(eps0) * eps0 * (le[j + 1] - le[j])
    weight = w_e * w_p * total_rate(gamma, eps0)
    return draws[:, 0], gamma, eps0, weight, np.repeat(np.arange(cells.size), n)


def run_block(sampler, cfg: SpectrumConfig, block: int, device=None) -> BlockSums:
    """Sample one block of cells with one batched sampler call and histogram it."""
    import torch

    u, gamma, eps0, w, local = block_parameters(cfg, block)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    x = sampler.ppf(torch.from_numpy(u), gamma=torch.from_numpy(gamma), eps0=torch.from_numpy(eps0),
                    device=dev, dtype=torch.float64, allow_extrapolation=cfg.allow_extrapolation).cpu().numpy()
    nb = cfg.edges.size - 1
    k = np.searchsorted(cfg.edges, x, side="right") - 1
    ok = (k >= 0) & (k < nb)
    n_local = int(local[-1]) + 1 if local.size else 0
    idx = local[ok] * nb + k[ok]
    s1c = np.bincount(idx, weights=w[ok], minlength=n_local * nb).reshape(n_local, nb)
    s2c = np.bincount(idx, weights=w[ok] ** 2, minlength=n_local * nb).reshape(n_local, nb)
    n = cfg.n_per_cell
    var = np.maximum(s2c - s1c * s1c / n, 0.0).sum(0) * (n / (n - 1.0))
    t1, t2 = np.bincount(local, weights=w), np.bincount(local, weights=w * w)
    t_var = float(np.maximum(t2 - t1 * t1 / n, 0.0).sum()) * (n / (n - 1.0))
    return BlockSums(block, s1c.sum(0), s2c.sum(0), var, np.bincount(k[ok], minlength=nb), float(w.sum()), t_var)


@dataclass
class MCSpectrum:
    """A Monte Carlo spectrum: bin-averaged dN/(dt dV deps) with 1-sigma errors.

    ``value``/``error`` are in sigma_T c x [n_e] x [n_ph] per unit eps (m_e c^2)^-1;
    ``counts`` the raw samples per bin, ``n_eff`` = (sum w)^2 / sum w^2 the effective
    number of samples per bin, ``total_rate`` (± ``total_rate_error``) the MC estimate of
    the total scattering rate ∫∫ n_e n R dgamma deps0 [sigma_T c n_e n_ph] (in or out of the bins).
    """

    edges: np.ndarray
    value: np.ndarray
    error: np.ndarray
    counts: np.ndarray
    n_eff: np.ndarray
    total_rate: float
    config: dict = field(default_factory=dict)
    wall_s: float = 0.0
    total_rate_error: float = 0.0

    @property
    def centres(self) -> np.ndarray:
        return np.sqrt(self.edges[:-1] * self.edges[1:])

    def save(self, path, **extra) -> None:
        np.savez(path, edges=self.edges, value=self.value, error=self.error, counts=self.counts,
                 n_eff=self.n_eff, total_rate=self.total_rate, total_rate_error=self.total_rate_error,
                 wall_s=self.wall_s,
                 config=np.array(repr(self.config)), **extra)


def combine(cfg: SpectrumConfig, blocks: list[BlockSums], wall_s: float = 0.0) -> MCSpectrum:
    """Reduce block sums in block order (layout-independent, bit for bit)."""
    blocks = sorted(blocks, key=lambda b: b.index)
    if [b.index for b in blocks] != list(range(cfg.n_blocks)):
        raise ValueError(f"expected blocks 0..{cfg.n_blocks - 1}, got {[b.index for b in blocks]}")
    width = np.diff(cfg.edges)
    n = cfg.n_per_cell
    s1, s2, var = (np.sum(np.stack([getattr(b, a) for b in blocks]), axis=0) for a in ("s1", "s2", "var"))
    counts = np.sum(np.stack([b.counts for b in blocks]), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(s2 > 0, s1 * s1 / s2, 0.0)
    total = float(np.sum([b.total for b in blocks])) / n
    total_err = math.sqrt(float(np.sum([b.total_var for b in blocks]))) / n
    return MCSpectrum(cfg.edges, s1 / (n * width), np.sqrt(var) / (n * width), counts, n_eff, total,
                      cfg.describe(), wall_s, total_rate_error=total_err)


def monte_carlo_spectrum(sampler, cfg: SpectrumConfig, *, device=None,
                         progress: Callable[[int, int, float], None] | None = None) -> MCSpectrum:
    """Single-process Monte Carlo spectrum (CPU or GPU ``device``); see the module docstring.

    ``progress(done_blocks, n_blocks, elapsed_s)`` is called after every block.
    """
    t0 = time.perf_counter()
    out = []
    for b in range(cfg.n_blocks):
        out.append(run_block(sampler, cfg, b, device))
        if progress is not None:
            progress(b + 1, cfg.n_blocks, time.perf_counter() - t0)
    return combine(cfg, out, time.perf_counter() - t0)


def chi2(mc: MCSpectrum, reference: np.ndarray, *, min_n_eff: float = 25.0) -> tuple[float, int, np.ndarray]:
    """chi^2 of the MC histogram against a bin-averaged reference over bins with n_eff >= min_n_eff.

    Returns (chi2, dof, mask); dof = number of bins used (the reference is absolute,
    nothing is fitted).
    """
    mask = (mc.n_eff >= min_n_eff) & (mc.error > 0)
    pull = (mc.value[mask] - reference[mask]) / mc.error[mask]
    return float(np.sum(pull * pull)), int(mask.sum()), mask
