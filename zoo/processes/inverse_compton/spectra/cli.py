"""``zoo spectrum``: IC photon spectrum of particle populations (paper section 4.3, Fig. 5)."""
from __future__ import annotations

import json
import sys
import time


def progress_line(done: int, total: int, elapsed: float) -> None:
    """Progress of a spectrum on stderr: blocks done, elapsed time, ETA."""
    eta = elapsed / done * (total - done) if done else float("nan")
    print(f"\r  blocks {done}/{total}  {elapsed:6.1f} s  ETA {eta:6.1f} s", end="" if done < total else "\n",
          file=sys.stderr, flush=True)


def cmd_spectrum(args) -> int:
    import numpy as np
    import torch

    from ....api import load_sampler as load

    from .montecarlo import SpectrumConfig, monte_carlo_spectrum
    from .populations import parse_population
    from .report import analyse, powerlaw_args, summary

    from ....checks import require_extra

    if args.plot:
        require_extra("matplotlib", "plot", "--plot")
    if args.dask:
        require_extra("distributed", "dask", "--dask")
    torch.set_num_threads(args.threads)
    el, ph = parse_population(args.electrons), parse_population(args.photons)
    per_cell = args.per_cell or max(2, round(args.samples / (args.n_gamma * args.n_eps0)))
    cfg = SpectrumConfig(el, ph, n_gamma=args.n_gamma, n_eps0=args.n_eps0, n_per_cell=per_cell,
                         bins_per_decade=args.bins_per_decade, seed=args.seed, jitter=not args.no_jitter,
                         block_cells=args.block_cells, allow_extrapolation=args.allow_extrapolation)
    progress = None if args.quiet else progress_line
    if args.dask:
        from .distributed import connect, distributed_spectrum

        with connect(args.dask) as client:
            mc = distributed_spectrum(client, args.model, cfg, device=args.device, threads=args.threads,
                                      progress=progress)
    else:
        sampler = load(args.model)
        from .. import InverseComptonIsotropic

        if sampler.card.target.id != InverseComptonIsotropic.id:
            raise ValueError(f"{args.model}: spectra need an inverse-Compton sampler (target "
                             f"{InverseComptonIsotropic.id}), this model samples {sampler.card.target.id!r}")
        sampler.check_params({"gamma": np.array(el.bounds), "eps0": np.array(ph.bounds)}, 2,
                             torch.device("cpu"), args.allow_extrapolation)  # fail before sampling
        mc = monte_carlo_spectrum(sampler, cfg, device=args.device, progress=progress)
    t0 = time.perf_counter()
    res = analyse(mc, cfg, min_n_eff=args.min_n_eff)
    print(summary(mc, res))
    print(f"reference integration {time.perf_counter() - t0:.1f} s")
    if args.out:
        extra = {k: res[k] for k in ("reference", "chi2", "dof", "mask")}
        extra["slopes"] = np.array(json.dumps(res.get("slopes", [])))
        mc.save(args.out, **extra)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.plot:
        from .plot import plot_panels

        run = {"mc": mc, "ref": res["reference"], "label": args.model, "color": "C0", "min_n_eff": args.min_n_eff}
        if powerlaw_args(cfg) is not None:
            run["powerlaw"] = powerlaw_args(cfg)
        title = f"{args.electrons}\n{args.photons}; chi2/dof = {res['chi2'] / max(res['dof'], 1):.2f}"
        plot_panels([(title, [run])], args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add the ``spectrum`` subcommand to the ``zoo`` parser's subparsers."""
    from ....checks import count_type

    p = sub.add_parser("spectrum", help="IC photon spectrum of electron and photon populations (Fig. 5)",
                       description="Monte Carlo IC spectrum with the model's sampler, checked against direct "
                                   "integration of eq. 28 and the broken power laws of eq. 31-32 (docs/spectra.md).")
    p.add_argument("model", help="model name or folder (an inverse-Compton sampler, e.g. ic-isotropic)")
    p.add_argument("--electrons", required=True, metavar="SPEC",
                   help="n_e(gamma): powerlaw:alpha=3.2,gmin=1,gmax=1e9[,total=1] or table:FILE[,total=1]")
    p.add_argument("--photons", required=True, metavar="SPEC",
                   help="n(eps0) [m_e c^2]: powerlaw:beta=1.5,emin=1e-6,emax=1e-3 or table:FILE")
    p.add_argument("--samples", type=count_type("--samples"), default=10**6,
                   help="total samples (default 1e6), spread evenly over cells")
    p.add_argument("--per-cell", type=count_type("--per-cell"), default=None,
                   help="samples per (gamma, eps0) cell (overrides --samples)")
    p.add_argument("--n-gamma", type=count_type("--n-gamma"), default=100, help="log-spaced gamma cells (default 100)")
    p.add_argument("--n-eps0", type=count_type("--n-eps0"), default=100, help="log-spaced eps0 cells (default 100)")
    p.add_argument("--bins-per-decade", type=count_type("--bins-per-decade"), default=8,
                   help="outgoing-energy bins per decade (default 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-jitter", action="store_true",
                   help="sample at the cell centres (paper's fixed grid) instead of log-uniformly inside cells")
    p.add_argument("--block-cells", type=count_type("--block-cells"), default=None,
                   help="cells per batched sampler call (default: 131072 samples per call)")
    p.add_argument("--device", default=None, help="torch device for the network (default cpu)")
    p.add_argument("--threads", type=count_type("--threads"), default=1, help="torch threads per process (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="shard over Dask workers: a scheduler address (tcp://host:8786) or local:N")
    p.add_argument("--min-n-eff", type=float, default=25.0,
                   help="bins with fewer effective samples are left out of chi2 and slope fits (default 25)")
    p.add_argument("--plot", metavar="FILE.png", help="draw the spectrum, reference, eq. 31-32 and pulls")
    p.add_argument("--out", metavar="FILE.npz", help="write histogram, errors, reference and the slope table")
    p.add_argument("--allow-extrapolation", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_spectrum)
