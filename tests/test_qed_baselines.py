"""The emulated QED table samplers of Smilei and PICSAR-QED (zoo.processes.{quantum_synchrotron,
breit_wheeler}.baselines; benchmarks/qed_tables.py): faithful to the codes' published tables and rules,
exact at their nodes, and with the accuracy their layouts allow.

Published anchors (the codes' own default tables): Smilei's default photon table
(src/Radiation/RadiationTablesDefault.cpp: chi in [1e-4, 1e3], 256 x 256, first row starting at
log10 chi_gamma = -17.095 with CDF 1.00032334e-3, 1.04053825e-3, 1.08236988e-3), Smilei's default pair
table (MultiphotonBreitWheelerTablesDefault.cpp: first row at log10 chi_- = -2.42652999566, CDF
1.01486617722e-9), and WarpX's built-in PICSAR-QED photon table (QuantumSyncEngineWrapper.cpp: 64 x 64
on chi in [1e-3, 200], ln P = -6.83368, -6.68749, -6.54129 in the first row and -6.89807, -6.75188 in
the second). The emulations rebuild these from our exact CDFs: node positions agree exactly and the
values to the digits printed, except Smilei's 1e-9 pair-table entry, where its quadrature is off by
0.3 % (ours is checked against mpmath to 1e-9 relative in tests/test_qed.py).

Big tables are tested on a few consecutive rows of the full grid (the samplers read only the two rows
around chi; test_rows_are_the_full_table checks that this is the same map), so the file runs in seconds.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from zoo.processes.breit_wheeler import physics as BW
from zoo.processes.breit_wheeler.baselines import PicsarPairTable, SmileiPairTable
from zoo.processes.quantum_synchrotron import physics as QS
from zoo.processes.qed_tables import picsar_bound, smilei_search
from zoo.processes.quantum_synchrotron.baselines import (PicsarPhotonTable, PicsarRow1D, SmileiPhotonTable,
                                                         SmileiRow1D)
from zoo.processes.synchrotron import physics as SY

U = np.linspace(0.0, 1.0, 1 << 13)


@pytest.fixture(scope="module")
def published():
    """The four tables at their published sizes and ranges (~2.5 s)."""
    return {"smilei_qs": SmileiPhotonTable(), "picsar_qs": PicsarPhotonTable(),
            "smilei_bw": SmileiPairTable(), "picsar_bw": PicsarPairTable()}


def _rows(table, n, chi, rows, lo, hi, log, exp):
    """Rows k .. k + rows - 1 of a code's n x n table over [lo, hi] (log-spaced in ``log``), k the row
    just below chi's."""
    d = (log(hi) - log(lo)) / (n - 1)
    k = int((log(chi) - log(lo)) / d) - 1
    return table(rows, n, exp(log(lo) + k * d), exp(log(lo) + (k + rows - 1) * d))


def _pow10(x):
    return 10 ** x


def picsar_qs_rows(n, chi, rows=4, lo=1e-3, hi=1e3):
    """Rows of PICSAR-QED's n x n photon table (ln-spaced in chi)."""
    return _rows(PicsarPhotonTable, n, chi, rows, lo, hi, math.log, math.exp)


def smilei_qs_rows(n, chi, rows=4, lo=1e-4, hi=1e3):
    return _rows(SmileiPhotonTable, n, chi, rows, lo, hi, math.log10, _pow10)


def picsar_bw_rows(n, chi, rows=4, lo=1e-2, hi=1e3):
    return _rows(PicsarPairTable, n, chi, rows, lo, hi, math.log, math.exp)


def smilei_bw_rows(n, chi, rows=4, lo=1e-2, hi=1e3):
    return _rows(SmileiPairTable, n, chi, rows, lo, hi, math.log10, _pow10)


def ks(sampler, chi, phys):
    return float(np.max(np.abs(phys.cdf(sampler.ppf(chi, U), chi) - U)))


def upper_tail(sampler, chi, phys, u=1e-4):
    return abs(float(phys.sf(sampler.ppf(chi, np.array([1.0 - u])), chi)[0]) / u - 1.0)


# ------------------------------------------------------------------------------ the codes' published tables
def test_smilei_photon_table_matches_the_published_default(published):
    t = published["smilei_qs"]
    assert t.table.shape == (256, 256)
    assert t.min_photon[0] == pytest.approx(-17.095, abs=1e-9)
    np.testing.assert_allclose(t.table[0, :3], [1.00032334102e-3, 1.04053825034e-3, 1.08236987584e-3], rtol=2e-5)
    assert np.all(t.table[:, 0] >= 1e-3) and np.all(t.table[:, -1] == 1.0)


def test_smilei_pair_table_matches_the_published_default(published):
    t = published["smilei_bw"]
    assert t.min_particle[0] == pytest.approx(-2.42652999566, abs=1e-8)
    assert t.table[0, 0] == pytest.approx(1.01486617722e-09, rel=1e-2)
    assert np.all(t.table[:, 0] >= 1e-9) and np.all(t.table[:, -1] == 0.5)


def test_picsar_photon_table_matches_warpx_builtin():
    t = PicsarPhotonTable(64, 64, 1e-3, 200.0)
    np.testing.assert_allclose(t.table[0, :3], [-6.83368, -6.68749, -6.54129], atol=2e-5)
    np.testing.assert_allclose(t.table[1, :2], [-6.89807, -6.75188], atol=2e-5)
    assert np.all(t.table[:, -1] == 0.0)


def test_picsar_pair_table_layout(published):
    t = published["picsar_bw"]
    assert t.table.shape == (256, 256) and t.chi_min == 2e-2 and t.chi_max == 1e3
    np.testing.assert_allclose(t.f, np.linspace(0.0, 0.5, 256))
    assert np.all(t.table[:, 0] == 0.0) and np.all(t.table[:, -1] == 0.5)
    assert np.all(np.diff(t.table, axis=1) >= 0.0)


# ------------------------------------------------------------------------------ search primitives
def test_search_primitives_match_their_definitions():
    rng = np.random.default_rng(3)
    table = np.sort(rng.random((5, 33)), axis=1)
    rows = rng.integers(0, 5, 2000)
    elem = rng.random(2000)
    j = smilei_search(table, rows, elem)
    inside = (elem > table[rows, 0]) & (elem < table[rows, -1])
    ok = (table[rows, j] <= elem) & (elem < table[rows, j + 1])
    assert np.all(ok[inside])
    assert np.all(j[elem < table[rows, 0]] == 0) and np.all(j[elem >= table[rows, -1]] == 31)
    for upper in (False, True):
        got = picsar_bound(lambda i: table[rows, i], 33, elem, upper)
        want = np.array([np.searchsorted(table[r], e, side="right" if upper else "left") for r, e in zip(rows, elem)])
        np.testing.assert_array_equal(got, want)


def test_rows_are_the_full_table(published):
    """A few consecutive rows of a grid give the same map as the whole grid (the tests' shortcut)."""
    for chi in (0.0123, 7.7):
        np.testing.assert_allclose(picsar_qs_rows(256, chi).ppf(chi, U), published["picsar_qs"].ppf(chi, U),
                                   rtol=1e-12, atol=0)
        np.testing.assert_allclose(smilei_qs_rows(256, chi).ppf(chi, U), published["smilei_qs"].ppf(chi, U),
                                   rtol=1e-12, atol=0)
    chi = 3.3
    np.testing.assert_allclose(smilei_bw_rows(256, chi, hi=1e2).ppf(chi, U), published["smilei_bw"].ppf(chi, U),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(picsar_bw_rows(256, chi, lo=2e-2).ppf(chi, U), published["picsar_bw"].ppf(chi, U),
                               rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------------ exact at the nodes
def _nodes(row, top):
    """Nodes of a table row strictly inside its rise (a plateau's CDF level names no single node)."""
    j = np.array([3, 60, 128, 200, 250])
    ok = (row[j] > row[j - 1]) & (row[j] < row[j + 1]) & (row[j] < top)
    return j[ok]


@pytest.mark.parametrize("i", [0, 97, 200])
def test_nodes_give_the_exact_quantiles(published, i):
    """At a table row's chi and a node's CDF level, every sampler returns that node: the exact quantile."""
    p = published["picsar_qs"]
    j = _nodes(p.table[i], 0.0)
    chi = math.exp(p.x_min + i * p.dx) * (1 + 1e-13)
    np.testing.assert_allclose(p.ppf(chi, np.exp(p.table[i, j])), np.exp(p.y[j]), rtol=1e-9)
    s = published["smilei_qs"]
    j = _nodes(s.table[i], 1.0)
    lchi = s.log10_min + i * s.delta
    want = 10.0 ** (s.min_photon[i] + j * s.row_delta[i] - lchi)
    np.testing.assert_allclose(s.ppf(10 ** lchi * (1 + 1e-13), s.table[i, j]), want, rtol=1e-9)
    np.testing.assert_allclose(QS.cdf(want, 10 ** lchi), s.table[i, j], rtol=1e-12)
    b = published["picsar_bw"]
    j = _nodes(b.table[i], 0.5)
    chi = math.exp(b.x_min + i * b.dx) * (1 + 1e-13)
    np.testing.assert_allclose(b.ppf(chi, b.table[i, j]), b.f[j], rtol=1e-9, atol=1e-15)
    m = published["smilei_bw"]
    j = _nodes(m.table[i], 0.5)
    lchi = m.log10_min + i / m.inv_delta
    step = (math.log10(0.5 * 10 ** lchi) - m.min_particle[i]) / 255
    want = 10.0 ** (m.min_particle[i] + j * step - lchi)
    np.testing.assert_allclose(m.ppf(10 ** lchi * (1 + 1e-13), m.table[i, j]), want, rtol=1e-9)
    # ... and they are the exact quantiles: the exact CDF there is the level
    np.testing.assert_allclose(BW.cdf(want, 10 ** lchi), m.table[i, j], rtol=1e-12)
    assert len(j) >= 3


# ------------------------------------------------------------------------------ accuracy of the layouts
def test_photon_tables_accuracy():
    chi = 1.07
    p256, p1024 = picsar_qs_rows(256, chi), picsar_qs_rows(1024, chi)
    s256, s1024 = smilei_qs_rows(256, chi), smilei_qs_rows(1024, chi)
    # PICSAR-QED: worse than 1e-4 at the published size, better at 1024 x 1024
    assert 1e-4 < ks(p256, chi, QS) < 1e-3
    assert ks(p1024, chi, QS) < 0.5 * ks(p256, chi, QS)
    # Smilei: the lowest 1e-3 of the photons all go to the first node (threshold 1e-3), at any size
    for s in (s256, s1024):
        assert 0.99e-3 < ks(s, chi, QS) < 2e-3
        assert QS.cdf(s.ppf(chi, np.array([1e-4])), chi)[0] == pytest.approx(1e-3, rel=0.05)
    # both: the hard-photon tail (u = 1e-4) is off by > 10 %, less so at 1024
    for small, big in ((p256, p1024), (s256, s1024)):
        assert upper_tail(small, chi, QS) > 0.1
        assert upper_tail(big, chi, QS) < upper_tail(small, chi, QS)


def test_picsar_photon_cut_below_frac_min():
    """PICSAR-QED returns xi = 0 below its first fraction node: that mass C(1e-12) is lost, at any size."""
    chi = 0.0123
    c0 = float(QS.cdf(1e-12, chi))
    for n in (256, 1024):
        p = picsar_qs_rows(n, chi)
        below, above = p.ppf(chi, np.array([0.999 * c0, 1.001 * c0]))
        assert below == 0.0 and above > 0.0
        assert c0 - 1.0 / len(U) < ks(p, chi, QS) <= c0 * (1 + 1e-6)


def _late_in_cell(lo, n, k, log=math.log10):
    """chi 90 % of the way from grid row k to row k + 1 (n rows from lo to 1e3, log10 or ln spacing)."""
    d = (log(1e3) - log(lo)) / (n - 1)
    t = log(lo) + (k + 0.9) * d
    return 10 ** t if log is math.log10 else math.exp(t)


def test_pair_tables_accuracy():
    # narrow core at small chi_gamma: Smilei's nearest-lower row costs accuracy (worst late in a row cell)
    k256, k1024 = 2, 8                     # the same chi_gamma region, ~1.1e-2
    chi = _late_in_cell(1e-2, 256, k256)
    ks256 = ks(smilei_bw_rows(256, chi), chi, BW)
    chi = _late_in_cell(1e-2, 1024, k1024)
    ks1024 = ks(smilei_bw_rows(1024, chi), chi, BW)
    assert ks256 > 1e-3 and ks1024 < 0.4 * ks256
    chi = 900.0                  # broad spectrum: PICSAR-QED's linear f axis is coarse near f = 0
    p256, p1024 = picsar_bw_rows(256, chi), picsar_bw_rows(1024, chi)
    assert ks(p256, chi, BW) > 1e-4
    assert ks(p1024, chi, BW) < 0.5 * ks(p256, chi, BW)


def test_out_of_table_parameters_are_clamped(published):
    """Below 2e-2 PICSAR-QED samples its first row; above 1e2 Smilei its last row."""
    b = published["picsar_bw"]
    np.testing.assert_allclose(b.ppf(0.011, U), b.ppf(0.02, U), rtol=1e-15)
    assert ks(b, 0.011, BW) > 1e-2
    s = published["smilei_bw"]
    assert ks(s, 900.0, BW) > 1e-2


# ------------------------------------------------------------------------------ samples
@pytest.mark.parametrize("chi", [5e-4, 1.1e-3, 0.3, 47.0, 999.0, 2e3])
def test_photon_samples_in_support_and_monotone(published, chi):
    """xi in [0, 1] everywhere; the map monotone inside the tables (Smilei extrapolates in chi above
    its 1e3, where the map is not monotone: the code's behaviour, kept)."""
    rng = np.random.default_rng(0)
    for key in ("smilei_qs", "picsar_qs"):
        t = published[key]
        x = t.sample(20000, chi, rng)
        assert np.all((x >= 0.0) & (x <= 1.0 + 1e-12)) and np.all(np.isfinite(x))
        if t.chi_min <= chi <= t.chi_max:
            assert np.all(np.diff(t.ppf(chi, U)) >= 0.0)


@pytest.mark.parametrize("chi", [0.011, 0.3, 47.0, 999.0, 2e3])
def test_pair_samples_in_support_and_monotone(published, chi):
    """f in (0, 1); the map monotone in u on each half (r < 1/2 gives the electron's share below 1/2, the
    rest mirrored above), inside the tables. (Below its 1e-2 Smilei's stretched particle axis reverses:
    the code's behaviour, outside this model's domain.)"""
    rng = np.random.default_rng(0)
    for key in ("smilei_bw", "picsar_bw"):
        t = published[key]
        x = t.sample(20000, chi, rng)
        assert np.all((x > 0.0) & (x < 1.0)) and np.all(np.isfinite(x))
        if t.chi_min <= chi <= t.chi_max:
            assert np.all(np.diff(t.ppf(chi, U)) >= -1e-15)


def test_seeded_reproducibility(published):
    for t in published.values():
        a = t.sample(1000, 2.5, np.random.default_rng(7))
        b = t.sample(1000, 2.5, np.random.default_rng(7))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, t.sample(1000, 2.5, np.random.default_rng(8)))


def test_draws_follow_the_table_map(published):
    """sample() is ppf() of the code's uniform number (PICSAR-QED inverts at 1 - r)."""
    r = np.random.default_rng(5).random(100)
    np.testing.assert_array_equal(published["smilei_qs"].sample(100, 1.0, np.random.default_rng(5)),
                                  published["smilei_qs"].ppf(1.0, r))
    np.testing.assert_array_equal(published["picsar_qs"].sample(100, 1.0, np.random.default_rng(5)),
                                  published["picsar_qs"].ppf(1.0, 1.0 - r))
    np.testing.assert_array_equal(published["picsar_bw"].sample(100, 1.0, np.random.default_rng(5)),
                                  published["picsar_bw"].ppf(1.0, r))


# ------------------------------------------------------------------------------ synchrotron row rules, memory
def test_synchrotron_row_rules():
    s, p = SmileiRow1D(SY.cdf, 50.0), PicsarRow1D(SY.cdf, SY.sf, 50.0)
    for t in (s, p):
        x = t.ppf(U)
        assert np.all(np.diff(x) >= 0.0) and np.all((x >= 0.0) & (x <= 50.0 * (1 + 1e-12)))
    assert SY.cdf(s.ppf(np.array([1e-5]))[0]) == pytest.approx(1e-3, rel=0.05)
    assert p.ppf(np.array([0.5 * SY.cdf(50e-12)]))[0] == 0.0
    assert np.max(np.abs(SY.cdf(p.ppf(U)) - U)) < 1e-3


def test_memory(published):
    for t in published.values():
        assert 256 * 256 * 8 <= t.nbytes <= 256 * 257 * 8
