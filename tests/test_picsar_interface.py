"""PICSAR-QED's interface (issue 26): `zoo export NAME --lang picsar` writes views with `interp` that
PICSAR-QED's own engines take in place of its tables. Compiled against the real, unmodified headers
(../shared/third_party/picsar_qed/include beside the checkout, or RADZOO_PICSAR_INCLUDE); skipped with
the reason where they are absent (a user's clone).

* get_dN_dt (quantum synchrotron and Breit-Wheeler) through the dndt views equals PICSAR's formula with the
  exact G or T (relative 1e-12: the rates' own error is <= 6e-14, tests/test_rates.py);
* generate_photon_update_momentum and generate_breit_wheeler_pairs draw, through the views, photons and
  pairs whose distribution is the exact one: KS of n draws <= the model's KS bound (1e-3) + the 99.9 %
  statistical bound of the KS statistic, 1.95 / sqrt(n).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from zoo.export import c_identifier, export

REPO = Path(__file__).resolve().parents[1]
#: where the PICSAR-QED headers may be: RADZOO_PICSAR_INCLUDE, else the shared folder beside the checkout
#: (or the workplace's, for a clone elsewhere)
_CANDIDATES = [Path(os.environ["RADZOO_PICSAR_INCLUDE"])] if os.environ.get("RADZOO_PICSAR_INCLUDE") else [
    base / "shared" / "third_party" / "picsar_qed" / "include" for base in (REPO.parent, Path("/work"))]
INCLUDE = next((c for c in _CANDIDATES if (c / "picsar_qed").is_dir()), _CANDIDATES[0])
CXX = shutil.which("g++") or shutil.which("c++")


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    if not (INCLUDE / "picsar_qed" / "physics" / "quantum_sync" / "quantum_sync_engine_core.hpp").is_file():
        pytest.skip(f"PICSAR-QED headers not found at {INCLUDE} (set RADZOO_PICSAR_INCLUDE)")
    if CXX is None:
        pytest.skip("no C++ compiler")
    d = tmp_path_factory.mktemp("picsar")
    for name in ("quantum-synchrotron", "breit-wheeler"):
        export(name, "picsar", d)
    exe = d / "engines"
    subprocess.run([CXX, "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
                    "-I", str(INCLUDE), "-I", str(d), str(REPO / "tests" / "cpp" / "picsar_engines.cpp"),
                    "-o", str(exe)], check=True)
    return exe


def _run(exe, *args) -> bytes:
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, check=True).stdout


def _ks(x, cdf) -> float:
    x = np.sort(x)
    n = len(x)
    c = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n)))


@pytest.mark.parametrize("chi", [1e-6, 2e-3, 1.0, 11.28838, 5e4, 1e9])
def test_get_dn_dt_through_the_views_is_picsars_formula_with_the_exact_rates(engines, chi):
    from zoo.processes import qed_rates

    g, t, E, alpha = map(float, _run(engines, "r", chi, 0).split())
    e = 1e3 * E
    want_g = 2.0 / 3.0 * alpha * E * E * float(qed_rates.rate_G(chi)) / e     # PICSAR's get_dN_dt, exact G
    want_t = alpha * E * E * float(qed_rates.rate_T(chi)) * chi / e
    assert g == pytest.approx(want_g, rel=1e-12)
    assert t == pytest.approx(want_t, rel=1e-12, abs=1e-300)


def _draws(exe, mode, chi, n, seed):
    return np.frombuffer(_run(exe, mode, chi, n, seed), dtype=np.float64)


@pytest.mark.parametrize("mode,chi", [("q", 1.0), ("q", 0.02), ("b", 1.0), ("b", 30.0)])
def test_engine_draws_follow_the_exact_distribution(engines, mode, chi):
    """1e5 draws (~1.2 s each here; the same uniforms in every case, seed 1): measured KS 3.0e-3, 3.0e-3,
    3.4e-3, 3.3e-3 (the statistical mean of the KS statistic is 0.87 / sqrt(n) = 2.8e-3), bound 7.2e-3."""
    from zoo.processes.breit_wheeler import physics as BW
    from zoo.processes.quantum_synchrotron import physics as QS

    n = 100_000
    x = _draws(engines, mode, chi, n, seed=1)
    cdf = (lambda v: QS.cdf(v, chi)) if mode == "q" else (lambda v: BW.cdf(v, chi))
    assert np.all((x >= 0) & (x <= 1))
    assert _ks(x, cdf) <= 1e-3 + 1.95 / np.sqrt(n)


@pytest.mark.full
@pytest.mark.parametrize("mode", ["q", "b"])
def test_engine_draws_million(engines, mode):
    """10^6 draws at chi = 1 through PICSAR-QED's engines (~12 s each, seed 2): measured KS 5.8e-4 (photon
    emission), 6.2e-4 (pairs); bound 1e-3 + 1.95e-3."""
    from zoo.processes.breit_wheeler import physics as BW
    from zoo.processes.quantum_synchrotron import physics as QS

    n = 1_000_000
    x = _draws(engines, mode, 1.0, n, seed=2)
    cdf = (lambda v: QS.cdf(v, 1.0)) if mode == "q" else (lambda v: BW.cdf(v, 1.0))
    assert _ks(x, cdf) <= 1e-3 + 1.95 / np.sqrt(n)


def test_picsar_export_refuses_other_processes(tmp_path):
    with pytest.raises(ValueError, match="quantum-synchrotron or breit-wheeler"):
        export("klein-nishina", "picsar", tmp_path)
    assert not list(tmp_path.glob("*.h*"))


def test_out_of_domain_chi_is_flagged_like_picsars_tables(engines, tmp_path):
    """A chi outside the draw's trained domain: the shape at the nearest end, scaled by the true chi, and
    is_out set (PICSAR-QED's tables do the same); the rate view is never out of table."""
    src = tmp_path / "o.cpp"
    src.write_text('#include <cstdio>\n#include "radzoo_quantum_synchrotron_picsar.hpp"\nint main() {\n'
                   "    radzoo::quantum_synchrotron_photon_emission_view v; radzoo::quantum_synchrotron_dndt_view g;\n"
                   "    bool a = false, b = false, c = false;\n"
                   "    const double x = v.interp(1e6, 0.5, &a), y = v.interp(1.0, 0.5, &b);\n"
                   "    const double r = g.interp(1e6, &c);\n"
                   '    std::printf("%d %d %d %.17g %.17g %.17g\\n", a, b, c, x, y, r);\n}\n')
    subprocess.run([CXX, "-std=c++17", "-O1", "-I", str(engines.parent), str(src), "-o", str(tmp_path / "o")],
                   check=True)
    a, b, c, x, y, r = subprocess.run([str(tmp_path / "o")], capture_output=True, text=True,
                                      check=True).stdout.split()
    assert (a, b, c) == ("1", "0", "0") and 0 < float(x) < 1e6 and 0 < float(y) < 1 and float(r) > 0


def test_device_views_compile_into_a_kernel(tmp_path):
    """The device form (radzoo_<name>_picsar.cuh over the CUDA export): both views of both processes called
    with PICSAR-QED's interp signatures from a __global__ kernel, compiled by NVRTC to PTX (compile-only, no
    GPU needed). PICSAR-QED's engines themselves need nvcc (their headers include the C++ standard
    library, which NVRTC lacks): not checked here."""
    from zoo import cuda

    if not cuda.nvrtc_available():
        pytest.skip("NVRTC (the cuda extra) is not installed")
    from zoo.cuda import nvrtc

    texts = []
    for name in ("quantum-synchrotron", "breit-wheeler"):
        export(name, "picsar", tmp_path)
        ident = c_identifier(name)
        texts.append((tmp_path / f"radzoo_{ident}.cuh").read_text())
        views = (tmp_path / f"radzoo_{ident}_picsar.cuh").read_text()
        assert "__device__ RealType interp(" in views
        texts.append(views.replace(f'#include "radzoo_{ident}.cuh"', ""))
    texts.append("""
extern "C" __global__ void views(const double *chi, const double *unf, double *out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    bool out_g = false, out_q = false, out_t = false, out_b = false;
    radzoo::quantum_synchrotron_dndt_view g;
    radzoo::quantum_synchrotron_photon_emission_view q;
    radzoo::breit_wheeler_dndt_view t;
    radzoo::breit_wheeler_pair_production_view b;
    out[4 * i] = g.interp(chi[i], &out_g);
    out[4 * i + 1] = q.interp(chi[i], unf[i], &out_q);
    out[4 * i + 2] = t.interp(chi[i], &out_t);
    out[4 * i + 3] = b.interp(static_cast<float>(chi[i]), static_cast<float>(unf[i]), &out_b)
                     + (out_g || out_q || out_t || out_b);
}
""")
    ptx = nvrtc.compile_source("\n".join(texts), "sm_80", kind="ptx", name="views.cu", use_cache=False).decode()
    assert ".entry views(" in ptx
