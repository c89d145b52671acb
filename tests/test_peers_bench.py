"""benchmarks/peers.py's C++ driver (issue 25) computes what it says, without PICSAR-QED's headers.

The driver is built as the benchmark builds it (g++ -O3 -march=native -fno-math-errno
-fno-trapping-math) with one exported model, and checked on small inputs:
* ``radzoo:NAME`` and ``radzoo1:NAME`` are the export's batch ppf and ppf1 (against the Fortran
XX the float32 network's
  CDF differences, bound 1e-5 as tests/test_export.py);
* ``geant4-kn`` (Geant4's Butcher-Messel + rejection, in C) samples Klein-Nishina: sample KS of
  2^17 draws against the exact CDF at k = 0.01, 1, 100 below 5 x the noise 0.87 / sqrt(n) = 2.4e-3;
* ``geant4-ic-head-on`` is the same in the electron frame: z = 1 - eps at k = b / 2 follows the
  exact ic-head-on CDF (same bound);
* ``invtable`` reproduces the exact quantiles at its nodes.
The PICSAR-QED rows need its headers (and Boost for the tables): benchmarks/peers.py says so when
they are absent; tests/test_picsar_interface.py covers the headers where they are present.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import zoo
from zoo.targets import get_target

ROOT = Path(__file__).resolve().parents[1]
CXX = shutil.which("g++") or shutil.which("c++")
pytestmark = pytest.mark.skipif(CXX is None, reason="no C++ compiler (g++) on this machine")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import peers

    folder = tmp_path_factory.mktemp("peers")
    s = zoo.load("synchrotron-fast")
    peers.dispatch({"synchrotron-fast": s}, folder)
    exe = folder / "peers_bench"
    subprocess.run([CXX, *peers.FLAGS, "-I", str(folder), str(ROOT / "benchmarks/peers/peers_bench.cpp"), "-o",
                    str(exe)], check=True)
    return peers, peers.Bench(exe, folder, repeat=1), s


def test_radzoo_rows_are_the_export(bench):
    peers, b, s = bench
    u = np.random.default_rng(0).random(4096)
    p = np.zeros((len(u), 0))
    times, batch = b.run("radzoo:synchrotron-fast", u, p)
    _, one = b.run("radzoo1:synchrotron-fast", u, p)
    assert len(times) == 1 and times[0] > 0
    ref = s.ppf(torch.from_numpy(u)).numpy().reshape(-1)
    for got in (batch, one):
        dev = np.abs(s.target.component_cdf(0, got, None, {}) - s.target.component_cdf(0, ref, None, {})).max()
        assert dev < 1e-5, dev


@pytest.mark.parametrize("sampler,target,scale", [("geant4-kn", "klein-nishina", 1.0),
                                                  ("geant4-ic-head-on", "inverse-compton-head-on", 2.0)])
def test_geant4_rows_sample_klein_nishina(bench, sampler, target, scale):
    _, b, _ = bench
    t = get_target(target)
    name = t.parameters[0].name
    n = 1 << 17
    for k in (0.01, 1.0, 100.0):
        u = np.random.default_rng(int(k * 100)).random(n)
        _, x = b.run(sampler, u, np.full((n, 1), k * scale))
        c = np.sort(t.component_cdf(0, x, None, {name: np.float64(k * scale)}))
        i = np.arange(1, n + 1) / n
        ks = max(np.max(i - c), np.max(c - (i - 1 / n)))
        assert ks < 5 * 0.87 / np.sqrt(n), (sampler, k, ks)


def test_invtable_row_interpolates_the_exact_quantiles(bench, tmp_path):
    peers, b, s = bench
    table = tmp_path / "inv.bin"
    peers.invtable(s, table, nodes=64)
    raw = np.fromfile(table)
    t = np.linspace(raw[0], raw[1], 64)
    u_nodes = 1.0 / (1.0 + np.exp(-t))
    _, x = b.run("invtable", u_nodes, np.zeros((64, 0)), table)
    # (t -> u -> logit(u) in C is exact to ~1e-16 / (1 - u): measured 4.6e-9 in ln x at u = 1 - 1e-9)
    np.testing.assert_allclose(np.log(x), raw[2:], rtol=0, atol=1e-7)
    exact = s.target.component_cdf(0, x, None, {})
    np.testing.assert_allclose(exact, u_nodes, rtol=1e-6)
