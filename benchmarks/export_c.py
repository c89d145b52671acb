"""Exported C path vs the torch CPU path vs an exact table, in one run, on one core.

    python benchmarks/export_c.py [--model ic-isotropic] [--n 1048576] [--cc gcc]

For each network precision of the export (float64, float32): samples/s of
``radzoo_<name>_ppf`` compiled with ``gcc -O3 -march=native`` (u from the exported Philox
helper, drawn outside the timing; per-sample parameters spread over the trained domain,
and the paper point broadcast), beside torch's ``Sampler.ppf`` on one thread with the same
inputs and an exact 1e4-point inverse-CDF table at one parameter point (torch.searchsorted).
Also the network's multiply-adds per sample and the share of the core's FMA peak they
reach: peak = 2 FMA pipes x (4 float64 | 8 float32 lanes, AVX2) x 2 flop x clock, the clock
read from /proc/cpuinfo (nominal; turbo makes the true share lower).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import zoo
from zoo.export import c_identifier, export

DRIVER = (r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "HEADER"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    size_t n = (size_t)atoll(argv[1]); int repeat = atoi(argv[2]);
    const char *upath = argv[3], *ppath = argv[4];
    double *u = malloc(n * DIM * sizeof *u), *p = malloc(n * (NP ? NP : 1) * sizeof *p), """
          r"""*out = malloc(n * DIM * sizeof *out);
    FILE *f = fopen(upath, "rb"); if (fread(u, sizeof *u, n * DIM, f) != n * DIM) return 2; fclose(f);
    if (NP) { f = fopen(ppath, "rb"); if (fread(p, sizeof *p, n * NP, f) != n * NP) return 2; fclose(f); }
    PPF(n, u, NP ? p : NULL, out);  /* warm-up */
    for (int r = 0; r < repeat; ++r) {
        double t0 = now(); PPF(n, u, NP ? p : NULL, out); printf("%.9f\n", now() - t0);
    }
    double s = 0; for (size_t i = 0; i < n * DIM; ++i) s += out[i];
    fprintf(stderr, "checksum %.17g\n", s);
    return 0;
}
""")


def clock_ghz() -> float:
    try:
        text = Path("/proc/cpuinfo").read_text()
        return float(re.search(r"cpu MHz\s*:\s*([\d.]+)", text).group(1)) / 1000
    except (OSError, AttributeError):
        return float("nan")


def multiply_adds(card) -> int:
    return sum(sum(a * b for a, b in zip([s.n_inputs, *s.hidden], [*s.hidden, 1])) for s in card.architecture.subnets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="ic-isotropic")
    ap.add_argument("--n", type=int, default=1 << 20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cc", default="gcc")
    args = ap.parse_args()
    torch.set_num_threads(1)
    s = zoo.load(args.model)
    D, P = s.dim, len(s.card.target.parameters)
    rng = np.random.default_rng(0)
    u = rng.random((args.n, D))
    cols = []
    for p in s.card.target.parameters:
        lo, hi = p.domain
        cols.append(10 ** rng.uniform(np.log10(lo), np.log10(hi), args.n) if p.input_transform == "log10"
                    else rng.uniform(lo, hi, args.n))
    params = np.stack(cols, 1) if P else np.zeros((args.n, 0))
    ident = c_identifier(s.card.name)
    macs = multiply_adds(s.card)
    ghz = clock_ghz()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        u.tofile(tmp / "u.bin")
        params.tofile(tmp / "p.bin")
        for prec in ("float64", "float32"):
            d = tmp / prec
            export(s, "c", d, precision=prec)
            src = DRIVER.replace("HEADER", f"radzoo_{ident}.h").replace("PPF", f"radzoo_{ident}_ppf")
            src = src.replace("DIM", str(D)).replace("NP", str(P))
            (d / "bench.c").write_text(src)
            subprocess.run([args.cc, "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-o",
                            str(d / "bench"), str(d / "bench.c"), "-lm"],
                           check=True)
            out = subprocess.run(["taskset", "-c", "0", str(d / "bench"), str(args.n), str(args.repeat),
                                  str(tmp / "u.bin"), str(tmp / "p.bin")], capture_output=True, text=True,
                                 check=True)
            t = statistics.median(float(x) for x in out.stdout.split())
            results[f"C export, {prec} network"] = args.n / t
    # torch CPU path, one thread, the same inputs
    ut = torch.from_numpy(u if D > 1 else u[:, 0].copy())
    pt = {p.name: torch.from_numpy(params[:, j].copy()) for j, p in enumerate(s.card.target.parameters)}
    s.ppf(ut[:1000], **{k: v[:1000] for k, v in pt.items()})
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        s.ppf(ut, **pt)
        times.append(time.perf_counter() - t0)
    results["torch CPU path (float32 network), 1 thread"] = args.n / statistics.median(times)
    if D == 1:
        from zoo.cuda.bench import default_params, table_sampler

        point = default_params(s)
        draw = table_sampler(s, point, torch.device("cpu"))
        draw(1000)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            draw(args.n)
            times.append(time.perf_counter() - t0)
        results[f"exact 1e4-point table at {point}"] = args.n / statistics.median(times)
    torch_rate = results["torch CPU path (float32 network), 1 thread"]
    print(f"{args.model}: {args.n} samples, per-sample parameters over the trained domain, one core "
          f"({os.cpu_count()} on this machine, {ghz:.2f} GHz nominal); network {macs} multiply-adds per sample")
    for label, rate in results.items():
        line = f"  {label:58s} {rate:10.3g} samples/s   {rate / torch_rate:6.2f}x torch"
        if label.startswith("C export"):
            lanes = 4 if "float64" in label else 8
            peak = 2 * lanes * 2 * ghz * 1e9
            line += f"   network flops {2 * macs * rate / 1e9:5.1f} GFLOP/s = {2 * macs * rate / peak:5.1%} of FMA peak"
        print(line)


if __name__ == "__main__":
    main()
