"""Table samplers of QED particle-in-cell codes for quantum-synchrotron photon emission, emulated in
vectorised numpy: the peers benchmarks/qed_tables.py compares the ``quantum-synchrotron`` network
with. The tables are built from this package's exact CDF (``physics.cdf`` / ``physics.sf``), so what
an emulation gets wrong is the codes' table layout and interpolation rule, not their quadrature.
Facts from the codes' sources (read for this module; no code copied):

**Smilei** (src/Radiation/RadiationTables.cpp ``computeRandomPhotonChiWithInterpolation``, default
table in src/Radiation/RadiationTablesDefault.cpp, generator tools/tables/
NonlinearInverseComptonScattering.cpp). Rows: particle chi log10-spaced on [1e-4, 1e3], 256 rows.
Per row i a photon-chi axis log10-spaced from ``min_photon_chi[i]`` to chi_i itself (256 points);
``min_photon_chi`` is found by stepping log10 chi_gamma down from log10 chi_i by 1, then 0.1, 0.01,
0.001 (``power`` = 4 stages) as long as the CDF stays >= ``threshold`` = 1e-3 (the first default-table
entry is 1.0003e-3). The table holds the CDF of the photon number (min(1, .)) at those nodes.
Sampling with a uniform number r: row ichi = floor of the log10 position (clamped to [0, n - 2]); if
r <= the row's first CDF value, r is raised to it (the lowest 1e-3 of the probability all goes to the
first node); else a bisection (``searchValuesInMonotonicArray``) in row ichi and, separately, in row
ichi + 1; in each row log10 chi_gamma is linear in the CDF between the two bracketing nodes (no
interpolation where the upper node's CDF is >= 1 or the step is <= 1e-15); the two rows' log10
chi_gamma are then linear in log10 chi (the particle's actual chi, extrapolated outside the table).

**PICSAR-QED**, as used by WarpX (picsar_qed/physics/quantum_sync/quantum_sync_engine_tables.hpp
``photon_emission_lookup_table::interp``, ..._tables_generator.hpp, containers/picsar_tables.hpp
``equispaced_2d_table::interp_first_coord``, utils/picsar_algo.hpp; WarpX's
QuantumSyncEngineWrapper.H uses this regular table, not the "tail-optimized" one). Grid: ln chi
equispaced on [1e-3, 1e3] (256) x ln(chi_gamma/chi) equispaced on [1e-12, 1] (256); the table holds
ln P, P the CDF of the fraction (the last column forced to P = 1). Sampling with r in [0, 1): with
ln(1 - r), a lower-bound bisection over the fraction index j, where each probe is the table column j
linearly interpolated in ln chi (chi clamped to the table); j = 0 returns chi_gamma = 0 (the whole
mass below frac_min = 1e-12 becomes a zero-energy photon); otherwise ln(frac) is linear in ln P
between nodes j - 1 and j. (WarpX's built-in fallback table is 64 x 64 on chi in [1e-3, 200]: its
first entries, ln P = -6.83368, -6.68749 at chi = 1e-3, are what tests/test_qed_baselines.py
reproduces with the emulation.)

**Synchrotron** (no code ships a classical-synchrotron table): ``SmileiRow1D`` and ``PicsarRow1D``
apply the same two row rules to one table of x = E/E_c (Smilei: log10 nodes from the 1e-3-quantile
search up to ``x_max``; PICSAR: ln nodes over 12 decades below ``x_max``, ln P, x = 0 below the first).

Every sampler offers ``ppf(chi, p)`` (the deterministic map from the uniform number the code draws
to the sample; for PICSAR-QED p = 1 - r is the CDF level it inverts), ``sample(n, chi, rng)`` and
``nbytes`` (the tables, float64, as the codes store them in double precision builds).
"""
from __future__ import annotations

import math

import numpy as np

from ..qed_tables import LOWEST, as1d as _as1d, linear_interp, picsar_bound, smilei_search, threshold_search
from . import physics as P

def log_cdf(c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """ln P from the CDF c and survival s (log1p(-s) where P > 1/2; ``LOWEST`` where P = 0)."""
    with np.errstate(divide="ignore"):
        out = np.where(c < 0.5, np.log(np.maximum(c, 0.0)), np.log1p(-s))
    return np.where(c <= 0.0, LOWEST, out)


class SmileiPhotonTable:
    """Smilei's photon-emission sampler (module docstring): ``n_chi`` x ``n_photon`` CDF table,
    log10 axes, threshold search for the first photon node, per-row bisection, log-linear in the photon
    axis and in chi. ``ppf(chi, r)`` -> xi = chi_gamma / chi."""

    code = "Smilei"

    def __init__(self, n_chi: int = 256, n_photon: int = 256, chi_min: float = 1e-4, chi_max: float = 1e3,
                 threshold: float = 1e-3, power: int = 4):
        self.n_chi, self.n_photon, self.chi_min, self.chi_max = n_chi, n_photon, chi_min, chi_max
        self.log10_min = math.log10(chi_min)
        self.delta = (math.log10(chi_max) - self.log10_min) / (n_chi - 1)
        self.inv_delta = 1.0 / self.delta
        lchi = self.log10_min + self.delta * np.arange(n_chi)
        chi = 10.0 ** lchi

        def cdf_at(l10, sel):
            return P.cdf(np.minimum(10.0 ** (l10 - lchi[sel]), 1.0), chi[sel])

        #: log10 of the first photon chi of each row
        self.min_photon = threshold_search(cdf_at, lchi, threshold, power)
        self.row_delta = (lchi - self.min_photon) / (n_photon - 1)
        j = np.arange(n_photon)
        l10 = self.min_photon[:, None] + j * self.row_delta[:, None]
        xi = np.minimum(10.0 ** (l10 - lchi[:, None]), 1.0)
        self.table = np.minimum(1.0, P.cdf(xi, np.broadcast_to(chi[:, None], xi.shape)))

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes + self.min_photon.nbytes)

    def _row(self, ichi, r, lchi_unused=None):
        """log10 chi_gamma from one row (ichi per sample) at level r (already raised to the row start
        where the code does that)."""
        j = smilei_search(self.table, ichi, r)
        t0 = self.table[ichi, j]
        t1 = self.table[ichi, np.minimum(j + 1, self.n_photon - 1)]
        lo = j * self.row_delta[ichi] + self.min_photon[ichi]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (r - t0) / (t1 - t0)
        interp = (t0 < 1.0) & (t1 - t0 > 1e-15)
        return np.where(interp, lo * (1.0 - d) + (lo + self.row_delta[ichi]) * d, lo)

    def ppf(self, chi, r) -> np.ndarray:
        r = _as1d(r)
        chi = _as1d(chi, r.size)
        lchi = np.log10(chi)
        ichi = np.clip(np.floor((lchi - self.log10_min) * self.inv_delta).astype(np.int64), 0, self.n_chi - 2)
        first = self.table[ichi, 0]
        below = r <= first
        r = np.where(below, first, r)
        # below the row start both rows use node 0 (the code skips the search there)
        j1 = self._row(ichi, r)
        j2 = self._row(ichi + 1, r)
        if below.any():
            lo1 = self.min_photon[ichi]
            t = self.table
            with np.errstate(divide="ignore", invalid="ignore"):
                d1 = (r - t[ichi, 0]) / (t[ichi, 1] - t[ichi, 0])
                d2 = (r - t[ichi + 1, 0]) / (t[ichi + 1, 1] - t[ichi + 1, 0])
            ok1 = (t[ichi, 0] < 1.0) & (t[ichi, 1] - t[ichi, 0] > 1e-15)
            ok2 = (t[ichi + 1, 0] < 1.0) & (t[ichi + 1, 1] - t[ichi + 1, 0] > 1e-15)
            b1 = np.where(ok1, lo1 + d1 * self.row_delta[ichi], lo1)
            lo2 = self.min_photon[ichi + 1]
            b2 = np.where(ok2, lo2 + d2 * self.row_delta[ichi + 1], lo2)
            j1 = np.where(below, b1, j1)
            j2 = np.where(below, b2, j2)
        dchi = (lchi - (ichi * self.delta + self.log10_min)) * self.inv_delta
        return 10.0 ** (j1 * (1.0 - dchi) + j2 * dchi - lchi)

    def sample(self, n: int, chi, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(chi, rng.random(n))


class PicsarPhotonTable:
    """PICSAR-QED's photon-emission sampler (module docstring): ln P on an equispaced (ln chi,
    ln frac) grid, lower-bound bisection over frac with each probe interpolated in ln chi, ln frac
    linear in ln P. ``ppf(chi, p)`` with p = 1 - r the CDF level -> xi = chi_gamma / chi (0 below the
    first node)."""

    code = "PICSAR-QED"

    def __init__(self, n_chi: int = 256, n_frac: int = 256, chi_min: float = 1e-3, chi_max: float = 1e3,
                 frac_min: float = 1e-12):
        self.n_chi, self.n_frac, self.chi_min, self.chi_max, self.frac_min = n_chi, n_frac, chi_min, chi_max, frac_min
        self.x_min, self.x_size = math.log(chi_min), math.log(chi_max) - math.log(chi_min)
        self.y_min, self.y_size = math.log(frac_min), -math.log(frac_min)
        self.dx = self.x_size / (n_chi - 1)
        chi = np.exp(self.x_min + np.arange(n_chi) * self.x_size / (n_chi - 1))
        self.y = np.arange(n_frac) * self.y_size / (n_frac - 1) + self.y_min
        frac = np.minimum(np.exp(self.y), 1.0)
        cc = np.broadcast_to(chi[:, None], (n_chi, n_frac))
        ff = np.broadcast_to(frac[None, :], (n_chi, n_frac))
        self.table = log_cdf(P.cdf(ff, cc), P.sf(ff, cc))
        self.table[:, -1] = 0.0          # "make sure that the last point is exactly 1.0"

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes)

    def _column(self, x: np.ndarray):
        """probe(j) = column j linearly interpolated at ln chi = x (``interp_first_coord``)."""
        left = np.floor((self.n_chi - 1) * (x - self.x_min) / self.x_size).astype(np.int64)
        left = np.where(left == self.n_chi - 1, self.n_chi - 2, left)
        xl = left * self.dx + self.x_min
        xr = (left + 1) * self.dx + self.x_min
        t = self.table
        return lambda j: linear_interp(xl, xr, t[left, j], t[left + 1, j], x)

    def ppf(self, chi, p) -> np.ndarray:
        p = _as1d(p)
        chi = _as1d(chi, p.size)
        x = np.log(np.clip(chi, self.chi_min, self.chi_max))
        with np.errstate(divide="ignore"):
            lp = np.log(p)
        probe = self._column(x)
        up = picsar_bound(probe, self.n_frac, lp, upper=False)
        top = up >= self.n_frac
        j = np.clip(up, 1, self.n_frac - 1)
        with np.errstate(invalid="ignore"):                  # ln p = -inf (p = 0): masked below
            lf = linear_interp(probe(j - 1), probe(j), self.y[j - 1], self.y[j], lp)
        return np.where(up == 0, 0.0, np.where(top, 1.0, np.exp(lf)))

    def sample(self, n: int, chi, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(chi, 1.0 - rng.random(n))


class SmileiRow1D:
    """Smilei's row rule on one parameter-free table (the classical-synchrotron analogue): log10 nodes
    from the threshold search (``threshold``, ``power``, started at log10 x_max) up to ``x_max``, CDF
    values, levels below the first node raised to it, log10 x linear in the CDF."""

    code = "Smilei rule"

    def __init__(self, cdf, x_max: float, n: int = 256, threshold: float = 1e-3, power: int = 4):
        self.n, self.x_max = n, x_max
        lmax = math.log10(x_max)
        self.min_x = float(threshold_search(lambda l10, sel: cdf(10.0 ** l10), np.array([lmax]), threshold, power)[0])
        self.step = (lmax - self.min_x) / (n - 1)
        self.table = np.minimum(1.0, cdf(10.0 ** (self.min_x + self.step * np.arange(n))))[None, :]

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes + 8)

    def ppf(self, r) -> np.ndarray:
        r = _as1d(r)
        t = self.table
        r = np.maximum(r, t[0, 0])
        rows = np.zeros(r.shape, dtype=np.int64)
        j = np.where(r <= t[0, 0], 0, smilei_search(t, rows, r))
        t0, t1 = t[0, j], t[0, np.minimum(j + 1, self.n - 1)]
        lo = self.min_x + j * self.step
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (r - t0) / (t1 - t0)
        ok = (t0 < 1.0) & (t1 - t0 > 1e-15)
        return 10.0 ** np.where(ok, lo + d * self.step, lo)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(rng.random(n))


class PicsarRow1D:
    """PICSAR-QED's row rule on one parameter-free table (the classical-synchrotron analogue): ln P on
    ``n`` ln-spaced nodes from frac_min x_max to x_max (last forced to ln 1 = 0), lower-bound
    bisection, ln x linear in ln P, 0 below the first node."""

    code = "PICSAR-QED rule"

    def __init__(self, cdf, sf, x_max: float, n: int = 256, frac_min: float = 1e-12):
        self.n = n
        self.y = math.log(frac_min * x_max) + np.arange(n) * (-math.log(frac_min)) / (n - 1)
        xs = np.exp(self.y)
        self.table = log_cdf(cdf(xs), sf(xs))
        self.table[-1] = 0.0

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes)

    def ppf(self, p) -> np.ndarray:
        p = _as1d(p)
        with np.errstate(divide="ignore"):
            lp = np.log(p)
        t = self.table
        up = picsar_bound(lambda j: t[j], self.n, lp, upper=False)
        j = np.clip(up, 1, self.n - 1)
        with np.errstate(invalid="ignore"):
            lx = linear_interp(t[j - 1], t[j], self.y[j - 1], self.y[j], lp)
        return np.where(up == 0, 0.0, np.exp(lx))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(1.0 - rng.random(n))
