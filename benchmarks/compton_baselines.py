"""Compton models beside their peer samplers, on the same held-out points, in one run.

    OMP_NUM_THREADS=1 python benchmarks/compton_baselines.py [--n 1048576] [--points 4]

Models and peers (zoo.processes.*.baselines, torch, float64):
  klein-nishina            vs Geant4's Klein-Nishina sampler (Butcher-Messel mixture + rejection)
  klein-nishina-polarized  vs the same, then phi by rejection from a uniform azimuth
  ic-head-on               vs rejection in s = -ln(1 - z) with envelope 1

Accuracy: KS of n draws against the exact CDF (eps or z; for phi, the KS of the conditional CDF
at each draw's own eps, which is uniform for an exact sampler), for the network (torch backend,
accurate path) and the peer; both are limited by the sample noise ~0.87/sqrt(n) unless one is
biased above it. The network's own (noise-free) KS on a 2^14-point u grid is printed beside,
as the card measures it. Speed: CPU samples/s (median of 3 calls after a warm-up, one torch
thread unless --threads), parameters broadcast.
"""
from __future__ import annotations

import argparse
import numpy as np
import torch

import zoo
from zoo.processes.inverse_compton.baselines import head_on_rejection
from zoo.processes.klein_nishina.baselines import geant4_klein_nishina, polarized_azimuth
from zoo.samplers.validation import heldout_grid

from cpu_throughput import seconds  # noqa: E402  (benchmarks/, the script's folder)


def ks_uniform(u: np.ndarray) -> float:
    """KS distance of values that are U(0, 1) for an exact sampler (the CDF at the draws)."""
    u = np.sort(u)
    n = u.size
    return max(float(np.max(np.arange(1, n + 1) / n - u)), float(np.max(u - np.arange(n) / n)))


def pit(s, x: np.ndarray, pt: dict) -> list[np.ndarray]:
    """The exact (conditional) CDF at each component of the draws x (n, d)."""
    params = {k: np.array(v) for k, v in pt.items()}
    return [s.target.component_cdf(k, x[:, k], x[:, :k] if k else None, params) for k in range(s.dim)]


def grid_ks(s, pt: dict, n: int = 1 << 14) -> float:
    u = (np.arange(n) + 0.5) / n
    uu = torch.as_tensor(np.repeat(u[:, None], s.dim, axis=1) if s.dim > 1 else u)
    x = s.ppf(uu, **pt).numpy().reshape(n, s.dim)
    return max(float(np.abs(c - u).max()) for c in pit(s, x, pt))


PEERS = {
    "klein-nishina": ("Geant4 KN", lambda n, pt, g: geant4_klein_nishina(n, pt["k"], generator=g)[:, None]),
    "klein-nishina-polarized": (
        "Geant4 KN + azimuth rejection",
        lambda n, pt, g: (lambda e: torch.stack([e, polarized_azimuth(e, pt["k"], generator=g)], 1))(
            geant4_klein_nishina(n, pt["k"], generator=g))),
    "ic-head-on": ("rejection in ln(1 + b r)", lambda n, pt, g: head_on_rejection(n, pt["b"], generator=g)[:, None]),
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1 << 20, help="draws per point and sampler")
    ap.add_argument("--points", type=int, default=4, help="held-out points per model")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    print(f"CPU, {args.threads} torch thread(s), n = {args.n} draws per point; sample-noise KS ~ "
          f"{0.87 / np.sqrt(args.n):.1e}; torch {torch.__version__}")
    print("| model | point | network KS (draws) | peer KS (draws) | network KS (u grid) | network [samples/s] | "
          "peer [samples/s] | network / peer |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (peer_name, peer) in PEERS.items():
        if name not in zoo.list():
            print(f"| {name} | not in the registry | | | | | | |")
            continue
        s = zoo.load(name)
        for pt in heldout_grid(s.card, args.points):
            xn = s.sample(args.n, generator=gen, backend="torch", **pt).numpy().reshape(args.n, s.dim)
            xp = peer(args.n, pt, gen).numpy()
            ks_n = max(ks_uniform(c) for c in pit(s, xn, pt))
            ks_p = max(ks_uniform(c) for c in pit(s, xp, pt))
            rate_n = args.n / seconds(lambda: s.sample(args.n, generator=gen, backend="torch", **pt))
            rate_p = args.n / seconds(lambda: peer(args.n, pt, gen))
            where = ", ".join(f"{k} = {v:.3g}" for k, v in pt.items())
            print(f"| {name} | {where} | {ks_n:.1e} | {ks_p:.1e} | {grid_ks(s, pt):.1e} | {rate_n:.2e} | "
                  f"{rate_p:.2e} | {rate_n / rate_p:.2f} |", flush=True)
        print(f"(peer for {name}: {peer_name})")


if __name__ == "__main__":
    main()
