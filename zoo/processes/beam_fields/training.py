"""Training beam-fields operators (``zoo train beam-fields-fohm``: registry/beam-fields-fohm/recipe.toml
calls ``recipe_main``); the card's metrics always come from ``validation``.

Loss (the seed's): the squared error of B over the grid, per sample and component divided by the
mean square of the true component (so B_z, ~100x smaller than B_x and B_y, weighs alike), averaged;
``div_weight`` > 0 adds the soft constraint w |div B|^2 / (|k|max^2 |B|^2) on the modes (the PINN).
Adam, cosine schedule lr -> lr / 100, gradients clipped at norm 1; batches drawn from the complex
beams' training split only (validation beams and Gaussian test beams are never seen).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ...card import FoHMArchitecture, SurrogateCard
from .dataset import DATA_MODULE as DATA_SCRIPT
from .dataset import BeamDataset, DatasetSpec, default_path, generate
from .physics import COMPONENTS, INPUT_COMPONENTS, VECTORS, axis_extent

REPO = Path(__file__).resolve().parents[3]

COMPONENT_TEXT = {
    "Bx": "magnetic field, x [T]", "By": "magnetic field, y [T]", "Bz": "magnetic field, z (from the bunch's "
    "transverse currents) [T]", "Ax": "vector potential, transverse (Coulomb-gauge) part, x [T m]",
    "Ay": "vector potential, transverse part, y [T m]", "Az": "vector potential, transverse part, z [T m]",
}
CITATION = ("C. Leon and A. Scheinker, FoHM-NO (seed 002: Physics constraint machine learning for relativistic, "
            "charged particle beams, LANL 2024; Research Square rs-3879834); A. Scheinker and R. Pokharel, "
            "Physics-constrained 3D convolutional neural networks for electrodynamics, APL Mach. Learn. 1, "
            "026109 (2023)")


def relative_mse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """mean over samples and components of |pred - true|^2 / mean |true|^2 over the grid."""
    d = (pred - true).pow(2).flatten(2).mean(-1)
    return (d / true.pow(2).flatten(2).mean(-1).clamp_min(1e-30)).mean()


def fit(net: torch.nn.Module, J: torch.Tensor, B: torch.Tensor, *, steps: int, batch_size: int, lr: float,
        seed: int = 0, div_weight: float = 0.0, spectral=None, outputs_B=lambda y: y[:, :3], stream=sys.stderr,
        name: str = "net") -> dict:
    """Train ``net`` (J -> output; ``outputs_B`` picks B from the output) on (J, B) tensors; returns
    the final loss (mean of the last 50 steps), wall time and steps."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    t0, last = time.perf_counter(), []
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * step / max(steps, 1))))
        idx = torch.randint(0, J.shape[0], (batch_size,), generator=gen)
        pred = outputs_B(net(J[idx]))
        loss = relative_mse(pred, B[idx])
        if div_weight > 0:
            loss = loss + div_weight * spectral.divergence_ratio(pred, "B").pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        last = (last + [float(loss.detach())])[-50:]
        if stream is not None and (step + 1) % max(1, steps // 20) == 0:
            el = time.perf_counter() - t0
            print(f"\r[{name}] step {step + 1}/{steps} loss {np.mean(last):.3e}  {el / (step + 1):.3f} s/step  "
                  f"ETA {el / (step + 1) * (steps - step - 1):.0f} s", end="", file=stream, flush=True)
    if stream is not None:
        print(file=stream)
    net.eval()
    return {"final_loss": float(np.mean(last)), "wall_time_s": round(time.perf_counter() - t0, 2), "steps": steps}


def training_tensors(ds: BeamDataset, split: str = "train") -> tuple[torch.Tensor, dict]:
    idx = ds.indices(split)
    f = ds.fields(idx)
    return torch.from_numpy(ds.J[idx]), {k: torch.from_numpy(v) for k, v in f.items()}


def fohm_card(*, name: str, summary: str, arch: dict, ds: BeamDataset, recipe: str, seed: int, steps: int,
              batch_size: int, hyper: dict) -> SurrogateCard:
    """The card of a FoHM-NO about to be trained on ``ds`` (weights hash, loss and metrics later)."""
    spec = ds.spec
    try:
        data_path = ds.path.resolve().relative_to(REPO)
    except ValueError:
        data_path = ds.path
    spans = (spec.a, spec.a, spec.period / 2)
    card = {
        "schema_version": 1, "name": name, "version": "0.1.0", "kind": "surrogate", "summary": summary,
        "inputs": [{"name": "current_density", "unit": "A/m^2", "kind": "field", "components": list(INPUT_COMPONENTS),
                    "description": "the bunch's current density J (Jx, Jy, Jz) on the grid's cells, e.g. deposited "
                                   "by cloud in cell (zoo.processes.beam_fields.beams.deposit); J_z > 0 along +z"}],
        "output": {"axes": [{"name": a, "n": n, "extent": list(axis_extent(h, n)), "unit": "m"}
                            for a, n, h in zip("xyz", (spec.n, spec.n, spec.n_z), spans)],
                   "components": [{"name": c, "unit": "T" if c[0] == "B" else "T m", "description": COMPONENT_TEXT[c]}
                                  for c in COMPONENTS],
                   "physics": {"process": "beam_fields", "gamma": spec.gamma, "pipe_half_width_m": spec.a,
                               "period_m": spec.period},
                   "vectors": {k: list(v) for k, v in VECTORS.items()}},
        "architecture": arch,
        "weights": {"file": f"{name}.safetensors", "sha256": "0" * 64, "parameter_count": 1, "dtype": "float32"},
        "training": {"recipe": recipe, "seed": seed, "loss": "relative MSE of B (per sample and component / mean "
                     f"square of the truth); Adam {steps} steps, lr {hyper['lr']:g} cosine to {hyper['lr'] / 100:g}",
                     "steps": steps, "batch_size": batch_size, "final_loss": None,
                     "hardware": _hardware(), "wall_time_s": 0.0, "torch_version": torch.__version__,
                     "hyperparameters": hyper,
                     "dataset": {"generator": DATA_SCRIPT, "command": spec.command(data_path), "sha256": ds.sha256,
                                 "densities": "tracked electron bunches entering a solenoid: complex beams (2-4 "
                                              "beamlets, rings, tilts, chirps) to train, Gaussian beams to test",
                                 "sampling": f"{spec.n_complex} complex beams (split by beam: "
                                             f"{len(set(ds.arrays['beam'][ds.indices('val')].tolist()))} for "
                                             f"validation), {spec.n_gaussian} Gaussian; {len(spec.z_marks)} "
                                             "snapshots each",
                                 "seed": spec.seed, "n_train": int(len(ds.indices("train"))),
                                 "n_test": int(len(ds.indices("test"))), "n_ood": int(len(ds.indices("val"))),
                                 "grid_n": [spec.n, spec.n, spec.n_z],
                                 "grid_extent_m": [list(axis_extent(h, n)) for n, h in
                                                   zip((spec.n, spec.n, spec.n_z), spans)],
                                 "generation_wall_time_s": float(ds.meta.get("wall_time_s", 0.0)),
                                 "generation_hardware": str(ds.meta.get("hardware", "unknown"))}},
        "license": "MIT", "citation": CITATION,
    }
    card["weights"]["parameter_count"] = FoHMArchitecture.model_validate_json(json.dumps(arch)).parameter_count
    return SurrogateCard.model_validate_json(json.dumps(card))


def _hardware() -> str:
    from ...samplers.training import hardware_description

    return hardware_description()


def recipe_main(*, name: str, summary: str, recipe: str, steps: int, batch_size: int, lr: float,
                hidden: list | None = None, dropout: float = 0.05, activation: str = "gelu", seed: int = 0,
                features: int = 6,
                process: str = "beam_fields", default_out=None, argv=None) -> SurrogateCard:
    """``zoo train beam-fields-fohm [flags]``: generate (or reuse) the data, train, write and validate."""
    ap = argparse.ArgumentParser(prog=f"zoo train {name}", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None if default_out is None else str(default_out), required=default_out is None)
    ap.add_argument("--data", default=None, help="the .npz (default checkpoints/data/beam_fields-<spec>.npz)")
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--batch-size", type=int, default=batch_size)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--dropout", type=float, default=dropout)
    ap.add_argument("--hidden", default=",".join(map(str, hidden or [32, 32])))
    ap.add_argument("--features", type=int, choices=[6, 8], default=features, help="g's inputs (FoHMArchitecture)")
    ap.add_argument("--mc-samples", type=int, default=20)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="a 16 x 16 x 16 grid, 4 + 2 beams, a few steps (seconds)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    spec = DatasetSpec(n=16, n_z=16, particles=4000, n_complex=4, n_gaussian=2) if args.smoke else DatasetSpec()
    data = Path(args.data) if args.data else default_path(spec, Path(args.out) / ".smoke-data" if args.smoke else None)
    ds = generate(spec, data)
    steps_ = 20 if args.smoke else args.steps
    arch = {"kind": "fohm-no", "hidden": [int(h) for h in args.hidden.split(",")], "activation": activation,
            "dropout": args.dropout, "features": args.features}
    hyper = {"steps": steps_, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
             "dropout": args.dropout, "hidden": args.hidden, "features": args.features, "smoke": bool(args.smoke)}
    card = fohm_card(name=name, summary=summary.format(grid="x".join(map(str, (spec.n, spec.n, spec.n_z)))), arch=arch,
                     ds=ds, recipe=recipe, seed=args.seed, steps=steps_, batch_size=args.batch_size, hyper=hyper)
    from ...surrogates.nets import build_surrogate_network
    from ...surrogates.validation import write_surrogate

    torch.manual_seed(args.seed)
    net = build_surrogate_network(card.architecture, card=card)
    J, f = training_tensors(ds, "train")
    print(f"[{name}] {len(J)} training fields on a {spec.n}x{spec.n}x{spec.n_z} grid; {card.weights.parameter_count} "
          "weights", file=sys.stderr)
    run = fit(net, J, f["B"], steps=steps_, batch_size=args.batch_size, lr=args.lr, seed=args.seed, name=name)
    card = card.model_copy(update={"training": card.training.model_copy(update={
        "final_loss": run["final_loss"], "wall_time_s": run["wall_time_s"]})})
    return write_surrogate(net, card, args.out, ds, mc_samples=args.mc_samples, seed=args.seed)
