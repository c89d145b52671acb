"""Seed 002's table on our data: four networks from a bunch's current density J to its magnetic field B,
trained on the same complex beams and measured on Gaussian beams none of them saw (issue 27).

    OMP_NUM_THREADS=1 python benchmarks/beam_fields_operators.py --markdown docs/beam_fields_table.md

* none  U-Net J -> B (no constraint)
* pinn  U-Net J -> B, loss + w |div B|^2 (soft constraint; --div-weight)
* curl  U-Net J -> A, B = curl A by central differences (hard for the finite-difference divergence)
* fohm  FoHM-NO (registry/beam-fields-fohm: the published card's weights; J^ -> A_perp^, B^ = i k x A_perp^)

For each: relative MAE of B (mean |B - B_true| / mean |B_true| per component, averaged over B_x, B_y;
B_z separately) on the Gaussian test beams and the held-out complex beams, the divergence
||div B|| / (|k|max ||B||) on the pipe's modes, the 2-sigma calibration of Monte Carlo dropout, the
training time, and the time per field against the exact solver (one field, one core, best of 5).
The U-Nets train here (``--steps``); the data come from ``python -m zoo.processes.beam_fields.dataset``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zoo.processes.beam_fields.dataset import DatasetSpec, default_path, generate  # noqa: E402
from zoo.processes.beam_fields.operator import ConstrainedUNet  # noqa: E402
from zoo.processes.beam_fields.spectral import Spectral, solve  # noqa: E402
from zoo.processes.beam_fields.training import fit, training_tensors  # noqa: E402
from zoo.processes.beam_fields.validation import calibration, relative_mae  # noqa: E402
from zoo.surrogates.nets import set_mc_dropout  # noqa: E402


def best_time(fn, repeats=5) -> float:
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def run_net(net, J, *, mc: int = 0, seed: int = 0, chunk: int = 8):
    """B (and with mc passes the mean and std) of a J -> B module on a batch of J (numpy)."""
    outs, means, stds = [], [], []
    torch.manual_seed(seed)
    with torch.no_grad():
        for s in range(0, len(J), chunk):
            x = torch.from_numpy(J[s:s + chunk])
            outs.append(net(x)[:, :3].numpy())
            if mc:
                set_mc_dropout(net, True)
                try:
                    passes = torch.stack([net(x)[:, :3] for _ in range(mc)])
                finally:
                    set_mc_dropout(net, False)
                means.append(passes.mean(0).numpy())
                stds.append(passes.std(0).numpy())
    return np.concatenate(outs), (np.concatenate(means) if mc else None), (np.concatenate(stds) if mc else None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=800, help="U-Net training steps (batch 4)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--div-weight", type=float, default=1e3, help="the PINN's penalty weight")
    ap.add_argument("--mc", type=int, default=10, help="Monte Carlo dropout passes")
    ap.add_argument("--only", default="none,pinn,curl,fohm")
    ap.add_argument("--model", default="beam-fields-fohm", help="the FoHM-NO (registry name or folder)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--merge", action="append", default=[],
                    help="a JSON of an earlier run whose rows this run does not recompute (repeatable)")
    ap.add_argument("--markdown", default=None)
    ap.add_argument("--quick", action="store_true", help="50 steps, 2 passes (a check of the script)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.quick:
        args.steps, args.mc = 50, 2
    spec = DatasetSpec()
    ds = generate(spec, default_path(spec))
    grid, sp = spec.grid(), Spectral(spec.grid())
    J, f = training_tensors(ds, "train")
    sets = {"test": ds.indices("test"), "val": ds.indices("val")}
    truth = {k: ds.fields(i)["B"] for k, i in sets.items()}
    rows = {}
    t_exact64 = best_time(lambda: solve(torch.from_numpy(ds.J[:1]), grid, spec.gamma, sp))
    sp32 = Spectral(grid, dtype=torch.float32)

    G32 = sp32.green(spec.gamma)                 # the exact multiplier, computed once (as FoHM-NO caches its own)

    def exact32():
        Jh = sp32.fft(torch.from_numpy(ds.J[:1]), "J")
        Ah = sp32.project(G32 * Jh)
        return sp32.ifft(sp32.curl(Ah))
    t_exact32 = best_time(exact32)
    # output scales per component: rms of the training fields per unit max|J| / j_ref (the U-Nets' normalisation)
    m = (J.abs().flatten(1).amax(1) / 1e9).view(-1, 1, 1, 1, 1)
    # A: the Lorenz-gauge potential's (A_x, A_y from J_x, J_y alone; the curl network may take any gauge, and
    # the Coulomb gauge's A_x, A_y are ~100x larger, from J_z, which would leave B_z a cancellation to learn)
    lorenz = torch.cat([sp.ifft(sp.green(spec.gamma) * sp.fft(J[s:s + 8].double(), "J")).float()
                        for s in range(0, len(J), 8)])
    scales = {k: tuple(float(v) for v in (t / m).pow(2).mean(dim=(0, 2, 3, 4)).sqrt())
              for k, t in (("A", lorenz), ("B", f["B"]))}
    for name in args.only.split(","):
        if name == "fohm":
            import zoo

            model = zoo.load(args.model)
            net = model.net
            train_s = model.card.training.wall_time_s
            steps = model.card.training.steps
        else:
            torch.manual_seed(0)
            net = ConstrainedUNet(name, grid, b_scale=scales["B"], a_scale=scales["A"])
            run = fit(net, J, f["B"], steps=args.steps, batch_size=4, lr=args.lr, seed=0,
                      div_weight=args.div_weight if name == "pinn" else 0.0, spectral=sp, name=name)
            train_s, steps = run["wall_time_s"], args.steps
        row = {"train_s": train_s, "steps": steps, "params": sum(p.numel() for p in net.parameters())}
        for key, idx in sets.items():
            pred, mean, std = run_net(net, ds.J[idx], mc=args.mc, seed=1)
            mae = relative_mae(pred, truth[key]).mean(0)
            row[f"mae_{key}"] = mae.tolist()
            row[f"div_{key}"] = float(sp.divergence_ratio(torch.from_numpy(pred).double(), "B").mean())
            inside, _ = calibration(mean, std, truth[key])
            row[f"cal_{key}"] = inside.mean(0).tolist()
        with torch.no_grad():
            row["predict_s"] = best_time(lambda: net(torch.from_numpy(ds.J[:1])))
        rows[name] = row
        print(f"{name}: {json.dumps(row)}", file=sys.stderr)
    for old in args.merge:
        earlier = json.loads(Path(old).read_text())
        if earlier["dataset_sha256"] != ds.sha256:
            raise SystemExit(f"--merge {old}: another data set")
        rows = {**{k: v for k, v in earlier["rows"].items() if k not in rows}, **rows}
    rows = {k: rows[k] for k in ("none", "pinn", "curl", "fohm") if k in rows}
    out = {"rows": rows, "exact_solver_s": {"float64": t_exact64, "float32": t_exact32},
           "grid": list(grid.n), "n_train": len(J), "n_test": len(sets["test"]), "n_val": len(sets["val"]),
           "dataset_sha256": ds.sha256, "steps": args.steps, "div_weight": args.div_weight, "mc": args.mc}
    label = {"none": "U-Net J -> B (none)", "pinn": f"U-Net J -> B, loss + {args.div_weight:g} (div B)^2 (soft, PINN)",
             "curl": "U-Net J -> A, B = curl A by differences (hard)", "fohm": "FoHM-NO (hard, exact)"}
    lines = ["| network | MAE B_x, B_y Gaussian test | B_z | MAE B_x, B_y held-out complex | B_z | div B / (k_max B) "
             "Gaussian | 2-sigma calibration B_x, B_y, B_z | training | weights | time per field |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {label[name]} | {np.mean(r['mae_test'][:2]):.2%} | {r['mae_test'][2]:.1%} | "
                     f"{np.mean(r['mae_val'][:2]):.2%} | {r['mae_val'][2]:.1%} | {r['div_test']:.1e} | "
                     f"{', '.join(f'{c:.2f}' for c in r['cal_test'])} | {r['train_s']:.0f} s ({r['steps']} steps) | "
                     f"{r['params']} | {r['predict_s'] * 1e3:.1f} ms |")
    lines.append(f"| exact solver (quasi-static, spectral) | 0 | 0 | 0 | 0 | {1e-16:.0e} | | none | | "
                 f"{t_exact32 * 1e3:.1f} ms (float32), {t_exact64 * 1e3:.1f} ms (float64) |")
    table = "\n".join(lines)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
