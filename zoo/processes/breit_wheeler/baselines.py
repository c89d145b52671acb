"""Table samplers of QED particle-in-cell codes for Breit-Wheeler pair creation, emulated in vectorised
numpy: the peers benchmarks/qed_tables.py compares the ``breit-wheeler`` network with. Built from this
package's exact CDF, so what an emulation gets wrong is the table layout and interpolation rule.
Facts from the codes' sources (no code copied):

**Smilei** (src/MultiphotonBreitWheeler/MultiphotonBreitWheelerTables.cpp
``computePairQuantumParameter``, default table in MultiphotonBreitWheelerTablesDefault.cpp, generator
tools/tables/MultiphotonBreitWheeler.cpp). Rows: photon chi log10-spaced on [1e-2, 1e2], 256 rows. Per
row a particle-chi axis log10-spaced from ``min_particle_chi[i]`` to 0.5 chi_gamma (256 points), the
first node found by stepping log10 chi_- down from log10(chi_gamma / 2) by 1, 0.1, ..., 1e-4
(``power`` = 5) while the CDF stays >= ``threshold`` = 1e-9 (the default table starts at 1.0149e-9 at
chi_gamma = 1e-2); the table holds the CDF of chi_- (0.5 at the last node, the symmetric half).
Sampling with r: the row is the **nearest lower one** (floor of the log10 position; no interpolation
in chi_gamma; row 0 below the table, the last row above it); with r' = min(r, 1 - r), the node j is
0 below the row's first value, n - 2 at or above its last, else the bisection; log10 chi_- is linear in
the CDF between nodes j, j + 1 (extrapolated below the first node), on an axis stretched to end at
log10(chi_gamma / 2) of the photon's actual chi_gamma; r > 1/2 gives the positron that chi and the
electron chi_gamma minus it.

**PICSAR-QED** (picsar_qed/physics/breit_wheeler/breit_wheeler_engine_tables.hpp
``pair_prod_lookup_table::interp``, ..._tables_generator.hpp). Grid: ln chi_gamma equispaced on
[2e-2, 1e3] (256) x f = chi_-/chi_gamma **linearly** spaced on [0, 1/2] (256); the table holds the
CDF itself (not its log; 1/2 forced at the last node). Sampling with r in [0, 1): p = min(r, 1 - r),
an upper-bound bisection over j in [0, n - 1) (probes interpolated linearly in ln chi_gamma, chi_gamma
clamped to the table), f linear in the CDF between nodes j - 1 and j; r >= 1/2 gives the electron
1 - f.

``ppf(chi_gamma, r)`` maps the code's uniform number to the electron's share f = chi_- / chi_gamma;
``sample(n, chi_gamma, rng)``; ``nbytes`` (the float64 tables).
"""
from __future__ import annotations

import math

import numpy as np

from ..qed_tables import as1d as _as1d, linear_interp, picsar_bound, smilei_search, threshold_search
from . import physics as P


class SmileiPairTable:
    """Smilei's pair sampler (module docstring): nearest-lower chi_gamma row, log10 particle axis from
    the 1e-9 threshold search to chi_gamma / 2, bisection, log-linear (extrapolated below the first
    node). ``ppf(chi_gamma, r)`` -> f."""

    code = "Smilei"

    def __init__(self, n_photon: int = 256, n_particle: int = 256, chi_min: float = 1e-2, chi_max: float = 1e2,
                 threshold: float = 1e-9, power: int = 5):
        self.n_photon, self.n_particle, self.chi_min, self.chi_max = n_photon, n_particle, chi_min, chi_max
        self.log10_min = math.log10(chi_min)
        self.inv_delta = (n_photon - 1) / (math.log10(chi_max) - self.log10_min)
        lchi = self.log10_min + np.arange(n_photon) / self.inv_delta
        chi = 10.0 ** lchi

        def cdf_at(l10, sel):
            return P.cdf(np.minimum(10.0 ** (l10 - lchi[sel]), 0.5), chi[sel])

        #: log10 of the first particle chi of each row
        self.min_particle = threshold_search(cdf_at, np.log10(0.5 * chi), threshold, power)
        step = (np.log10(0.5 * chi) - self.min_particle) / (n_particle - 1)
        l10 = self.min_particle[:, None] + np.arange(n_particle) * step[:, None]
        f = np.minimum(10.0 ** (l10 - lchi[:, None]), 0.5)
        self.table = P.cdf(f, np.broadcast_to(chi[:, None], f.shape))
        self.table[:, -1] = 0.5          # numerator = denominator there: exactly 1/2

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes + self.min_particle.nbytes)

    def ppf(self, chi, r) -> np.ndarray:
        r = _as1d(r)
        chi = _as1d(chi, r.size)
        n = self.n_particle
        row = np.floor((np.log10(chi) - self.log10_min) * self.inv_delta).astype(np.int64)
        row = np.where(chi < self.chi_min, 0, np.where(chi >= self.chi_max, self.n_photon - 1, row))
        rp = np.where(r > 0.5, 1.0 - r, r)
        t = self.table
        j = smilei_search(t, row, rp)
        j = np.where(rp < t[row, 0], 0, np.where(rp >= t[row, n - 1], n - 2, j))
        step = (np.log10(0.5 * chi) - self.min_particle[row]) / (n - 1)
        lo = j * step + self.min_particle[row]
        d = (rp - t[row, j]) / (t[row, j + 1] - t[row, j])
        q = 10.0 ** (lo * (1.0 - d) + (lo + step) * d)
        return np.where(r > 0.5, (chi - q) / chi, q / chi)

    def sample(self, n: int, chi, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(chi, rng.random(n))


class PicsarPairTable:
    """PICSAR-QED's pair sampler (module docstring): CDF on (ln chi_gamma, f in [0, 1/2] linear),
    upper-bound bisection with probes interpolated in ln chi_gamma, f linear in the CDF.
    ``ppf(chi_gamma, r)`` -> f."""

    code = "PICSAR-QED"

    def __init__(self, n_chi: int = 256, n_frac: int = 256, chi_min: float = 2e-2, chi_max: float = 1e3):
        self.n_chi, self.n_frac, self.chi_min, self.chi_max = n_chi, n_frac, chi_min, chi_max
        self.x_min, self.x_size = math.log(chi_min), math.log(chi_max) - math.log(chi_min)
        self.dx = self.x_size / (n_chi - 1)
        chi = np.exp(self.x_min + np.arange(n_chi) * self.dx)
        self.f = np.arange(n_frac) * 0.5 / (n_frac - 1)
        ff = np.broadcast_to(self.f[None, :], (n_chi, n_frac))
        self.table = P.cdf(ff, np.broadcast_to(chi[:, None], ff.shape))
        self.table[:, -1] = 0.5          # "make sure that the last point is exactly 0.5"

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes)

    def ppf(self, chi, r) -> np.ndarray:
        r = _as1d(r)
        chi = _as1d(chi, r.size)
        x = np.log(np.clip(chi, self.chi_min, self.chi_max))
        left = np.floor((self.n_chi - 1) * (x - self.x_min) / self.x_size).astype(np.int64)
        left = np.where(left == self.n_chi - 1, self.n_chi - 2, left)
        xl, xr = left * self.dx + self.x_min, (left + 1) * self.dx + self.x_min
        t = self.table

        def probe(j):
            return linear_interp(xl, xr, t[left, j], t[left + 1, j], x)

        prob = np.where(r <= 0.5, r, 1.0 - r)
        up = picsar_bound(probe, self.n_frac - 1, prob, upper=True)
        p0, p1 = probe(up - 1), probe(up)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = linear_interp(p0, p1, self.f[up - 1], self.f[up], prob)
        frac = np.where(p1 > p0, frac, self.f[up - 1])
        return np.where(r < 0.5, frac, (chi - frac * chi) / chi)

    def sample(self, n: int, chi, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(chi, rng.random(n))
