"""Measured, per-model limits of the fused kernel's checks, kept beside the card
(``registry/<name>/kernel_limits.json``), so that adding a model never re-tunes a shared bound.

    python -m zoo.cuda.limits                    # measure every bundled sampler, compare with the files
    python -m zoo.cuda.limits --write NAME ...   # measure and write the files (a new model: run once)

What is measured (on the CPU: NVRTC compiles, the numpy emulation runs; no GPU needed):

* ``spill_bytes[precision][arch]``: ptxas's spill-store bytes of the model's kernel (local memory
  outside the tensor-core code; tests/test_cuda_codegen.py allows the measured value plus
  ``SPILL_SLACK``);
* ``lo_fragments``: the accurate mode's largest CDF gap to torch on the held-out grid, and the gap
  with the split weights' lo fragments negated (a sign bug the accurate bound must see where the
  model feels f16 rounding; tests/test_cuda_emulate.py checks both against the files).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LIMITS_FILENAME = "kernel_limits.json"
#: ptxas may place one more register pair in local memory than measured (another NVRTC 12.x patch
#: release): 8 bytes of slack on the measured spill bytes
SPILL_SLACK = 8
ARCHS = ("sm_80", "sm_90")


def lo_fragment_gaps(sampler, n_per_param: int = 3, n: int = 4096) -> tuple[float, float]:
    """(accurate-mode CDF gap to torch, the gap with the lo fragments negated), the max over the
    held-out grid (``n_per_param`` values per parameter, ``n`` Philox uniforms per point)."""
    import numpy as np
    import torch

    from ..samplers.validation import heldout_grid
    from . import codegen, emulate, philox

    s = sampler
    blob = codegen.pack(s.card, s.model.net.state_dict())
    bad = bytes(emulate.ablate_lo(s.card, blob, "negate"))
    gap = ablated = 0.0
    for j, pt in enumerate(heldout_grid(s.card, n_per_param)):
        u = philox.uniforms(n, s.dim, seed=j)
        with torch.no_grad():
            xt = s.model(torch.as_tensor(u), {k: torch.tensor(v, dtype=torch.float64) for k, v in pt.items()})[0]
        xt = np.asarray(xt.numpy())
        xe, _ = emulate.emulate(s.card, blob, u, pt, seed=j)
        xb, _ = emulate.emulate(s.card, bad, u, pt, seed=j)
        gap = max(gap, emulate.cdf_gap(s.target, xe, xt, pt))
        ablated = max(ablated, emulate.cdf_gap(s.target, xb, xt, pt))
    return gap, ablated


def measure(name: str) -> dict:
    """Every limit of one bundled sampler, measured now."""
    from ..api import load_sampler
    from . import codegen, nvrtc

    s = load_sampler(name)
    spills = {p: {a: nvrtc.resource_usage(s.kernel_source(precision=p), a)["spill_stores"] for a in ARCHS}
              for p in sorted(codegen.PRECISIONS)}
    gap, ablated = lo_fragment_gaps(s)
    return {"model": name, "nvrtc": ".".join(map(str, nvrtc.version())),
            "spill_bytes": spills,
            "lo_fragments": {"accurate_gap": float(f"{gap:.3g}"), "negated_gap": float(f"{ablated:.3g}")}}


def path_of(name: str) -> Path:
    from ..registry import resolve

    return resolve(name)[1] / LIMITS_FILENAME


def read(name: str) -> dict:
    """The recorded limits of a bundled sampler (a clear error if the file is missing)."""
    path = path_of(name)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m zoo.cuda.limits --write {name}` "
                                "(measures the model's kernel limits on the CPU)")
    return json.loads(path.read_text())


def main(argv=None) -> int:
    from ..api import list_models
    from ..files import atomic_write

    ap = argparse.ArgumentParser(prog="python -m zoo.cuda.limits", description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="bundled samplers (default: all)")
    ap.add_argument("--write", action="store_true", help="write registry/<name>/kernel_limits.json")
    args = ap.parse_args(argv)
    for name in args.names or list_models(kind="sampler"):
        new = measure(name)
        old = json.loads(path_of(name).read_text()) if path_of(name).is_file() else None
        print(f"{name}: spill bytes {new['spill_bytes']}; lo fragments {new['lo_fragments']}"
              + ("" if old is None else f" (recorded {old['spill_bytes']}; {old['lo_fragments']})"), flush=True)
        if args.write:
            text = json.dumps(new, indent=2) + "\n"
            atomic_write(path_of(name), text, what="kernel limits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
