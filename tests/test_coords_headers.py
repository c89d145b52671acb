"""The supports and coordinates in C (zoo/targets/coords.h, zoo/processes/<p>/coords.h): the one source
the fused kernel includes (NVRTC). Here g++ compiles every header on the CPU (no GPU, no NVRTC) with
the kernel's signatures, in float and in double map precision, and runs every (target, component,
coordinate) pair of the bundled cards with rz_map_t = double against the torch form of the map
(``Target.to_physical``), at random w and held-out parameters."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import zoo
from zoo.targets import get_target
from zoo.samplers.validation import heldout_points

ROOT = Path(zoo.__file__).parent
HEADERS = sorted([ROOT / "targets" / "coords.h", *(ROOT / "processes").glob("*/coords.h")])
GXX = shutil.which("g++")
needs_gxx = pytest.mark.skipif(GXX is None, reason="g++ not installed (apt-get install g++)")

#: the kernel's environment of the headers (kernels/radzoo_coords.cuh) on the host: the same
#: qualifier macro, map struct and overloaded rz_* functions, with the host libm
SHIM = r"""
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
using std::min; using std::max;
using std::exp; using std::expm1; using std::log; using std::log1p; using std::sqrt; using std::fma;
#define RZ_FN static inline
typedef RZ_MAP_T rz_map_t;
struct RzMap { double lo, hi, g; rz_map_t c[4]; };
RZ_FN int rz_clampi(int x, int lo, int hi) { return min(max(x, lo), hi); }
RZ_FN float rz_atan2(float y, float x) { return std::atan2(y, x); }
RZ_FN double rz_atan2(double y, double x) { return std::atan2(y, x); }
""" + "".join(f"RZ_FN float rz_{f}(float x) {{ return std::{f}(x); }}\n"
            f"RZ_FN double rz_{f}(double x) {{ return std::{f}(x); }}\n"
            for f in ("exp", "expm1", "sqrt", "sinh", "asinh", "cbrt", "sin"))


def _compile(tmp_path, source: str, map_t: str, name: str) -> Path:
    src = tmp_path / f"{name}.cpp"
    src.write_text(f"#define RZ_MAP_T {map_t}\n" + SHIM + source)
    exe = tmp_path / name
    proc = subprocess.run([GXX, "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
                           "-Wno-unused-parameter", "-o", str(exe), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return exe


def test_every_header_is_found_and_every_kernel_form_comes_from_one():
    """Every process with a kernel form keeps it in its coords.h (no C/CUDA left in Python strings)."""
    texts = "\n".join(h.read_text() for h in HEADERS)
    for name in zoo.list(kind="sampler"):
        t = zoo.load(name).target
        for code in [t.kernel_support.cuda, *(kc.cuda for kc in t.kernel_coordinates.values()), t.cuda_helpers]:
            assert code in texts, (name, code[:80])


@needs_gxx
@pytest.mark.parametrize("map_t", ["float", "double"])
@pytest.mark.parametrize("header", HEADERS, ids=lambda h: h.parent.name)
def test_header_compiles_with_gcc(header, map_t, tmp_path):
    exe = _compile(tmp_path, header.read_text() + "\nint main() { return 0; }\n", map_t, header.parent.name)
    assert subprocess.run([str(exe)]).returncode == 0


def _pairs():
    """(model, component, coordinate) of every bundled card, and linear for every component."""
    for name in zoo.list(kind="sampler"):
        card = zoo.load(name).card
        for k, sub in enumerate(card.architecture.subnets):
            for coord in sorted({sub.output_transform.coordinate, "linear"}):
                yield name, k, coord


@needs_gxx
def test_every_coordinate_in_double_matches_its_torch_form(tmp_path):
    """Each map of the bundled cards, run from its header with rz_map_t = double, agrees with the
    torch float64 form at 257 w per held-out point (both ends included) within 1e-12 relative (or 1e-13
    of the support's span): measured worst 4.3e-16 over 124 (card, component, coordinate, point) cases
    here, i.e. the formulas differ in rounding only; the bound leaves room for another libm."""
    rng = np.random.default_rng(20261207)
    cases, funcs, rows = [], [], []
    for name, k, coord in _pairs():
        s = zoo.load(name)
        t = s.target
        sup = t.kernel_support.name
        kc = t.kernel_coordinates[coord]
        ci = len(funcs)
        funcs.append(f"    case {ci}: {{ RzMap m; rz_support_{sup}({k}, p, {'v' if k else 'nullptr'}, &m); "
                     f"rz_prep_{kc.name}(p, {'v' if k else 'nullptr'}, &m); "
                     f"return fmin(fmax(rz_map_{kc.name}((rz_map_t)w, &m), m.lo), m.hi); }}")
        for pt in heldout_points(s.card)[:6]:
            params = [pt[p.name] for p in s.card.target.parameters]
            w = np.concatenate([[0.0, 1e-12, 0.5, 1.0 - 2**-40, 1.0], rng.random(252)])
            prev = None
            if k:   # the earlier components from their own coordinates at random w
                prev = np.empty((len(w), k))
                for i in range(k):
                    c0 = s.card.architecture.subnets[i].output_transform.coordinate
                    pr = None if i == 0 else torch.as_tensor(prev[:, :i])
                    prev[:, i] = t.to_physical(i, torch.as_tensor(rng.uniform(0.01, 0.99, len(w))), pr,
                                               {n: torch.full((len(w),), v, dtype=torch.float64)
                                                for n, v in pt.items()}, c0).numpy()
            cases.append((name, k, coord, pt, w, prev))
            pp = (params + [0.0, 0.0])[:2]
            for i, wi in enumerate(w):
                v = 0.0 if prev is None else prev[i, 0]
                rows.append(" ".join(float(x).hex() for x in (ci, wi, *pp, v)))
    source = ("\n".join(h.read_text() for h in HEADERS) + "\nstatic double eval(int c, double w, const double* p, "
              "const double* v) {\n    switch (c) {\n" + "\n".join(funcs) + "\n    }\n    return NAN;\n}\n"
              "int main() {\n    char line[512];\n    while (fgets(line, sizeof line, stdin)) {\n"
              "        char* e = line; double c = strtod(e, &e), w = strtod(e, &e), p[2], v[1];\n"
              "        p[0] = strtod(e, &e); p[1] = strtod(e, &e); v[0] = strtod(e, &e);\n"
              "        printf(\"%a\\n\", eval((int)c, w, p, v));\n    }\n    return 0;\n}\n")
    out = subprocess.run([str(_compile(tmp_path, source, "double", "maps"))], input="\n".join(rows) + "\n",
                         capture_output=True, text=True, check=True).stdout.split()
    got = np.array([float.fromhex(v) for v in out])
    pos = 0
    worst = 0.0
    for name, k, coord, pt, w, prev in cases:
        t = get_target(zoo.load(name).card.target.id)
        n = len(w)
        tp = {p: torch.full((n,), v, dtype=torch.float64) for p, v in pt.items()}
        pr = None if prev is None else torch.as_tensor(prev)
        x = t.to_physical(k, torch.as_tensor(w), pr, tp, coord)
        lo, hi = t.torch_support(k, pr, tp) if tp or pr is not None else t.torch_support(k, pr, {"_": torch.zeros(n)})
        x = torch.minimum(torch.maximum(x, lo), hi).numpy()
        span = (hi - lo).numpy() if torch.is_tensor(hi) else hi - lo
        c = got[pos:pos + n]
        pos += n
        err = np.abs(c - x) / np.maximum(np.abs(x), 1e-300)
        ok = (err <= 1e-12) | (np.abs(c - x) <= 1e-13 * np.abs(span))
        worst = max(worst, float(np.min([err.max(), (np.abs(c - x) / np.abs(span)).max()])))
        assert ok.all(), (name, k, coord, pt, w[~ok][:3], c[~ok][:3], x[~ok][:3])
    print(f"{len(cases)} cases, worst {worst:.2e}")   # pytest -s shows it
    assert pos == len(got)


def test_map_constants_are_sized_per_card_and_bounded():
    """RzMap.c has RZ_NC entries, the most any of the card's coordinates uses (zoo.cuda.codegen);
    no coordinate uses more than MAX_CONSTANTS (the export's RzMap holds that many)."""
    from zoo.targets.base import MAX_CONSTANTS, map_constants

    for name in zoo.list(kind="sampler"):
        s = zoo.load(name)
        t = s.target
        used = [t.kernel_coordinates[sub.output_transform.coordinate].cuda for sub in s.card.architecture.subnets]
        want = max(1, max(map_constants(c) for c in [*used, t.kernel_support.cuda, t.cuda_helpers]))
        assert f"#define RZ_NC {want} " in s.kernel_source(), name
        for kc in t.kernel_coordinates.values():
            assert map_constants(kc.cuda) <= MAX_CONSTANTS, (name, kc.name)
    assert map_constants("m->c[0] = 1; x = m->c[3];") == 4 and map_constants("m->g = 1;") == 0
