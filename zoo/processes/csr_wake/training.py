"""Training field surrogates on CSR wakes (``zoo train csr-wake-*``: the recipes
``registry/csr-wake-*/recipe.toml`` call ``recipe_main``); the card's metrics always come from
``zoo.surrogates.validation``.

Loss: for every field b and component c of a batch, the mean squared error over the grid divided by
the variance of the true component over the grid (the squared counterpart of the seed paper's
relative MAE, so small and large wakes weigh alike), averaged. ``symmetry_weight`` > 0 adds the soft
y-symmetry constraint: the same normalised mean square of (W - P W) / 2, P the y mirror with the
components' parities (the training bunches are all y-symmetric). ``superpose`` (density models):
with that probability a training pair (lambda_i, W_i) is replaced by (a lambda_i + b lambda_j,
a W_i + b W_j), exact since the wake is linear in the density.

Adam with a cosine schedule (lr -> lr/100), gradients clipped at norm 1. Checkpoints every
``checkpoint_every`` steps into the checkpoint folder; rerunning the same command resumes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ...files import atomic_write
from ...card import SigmaMLPArchitecture, SurrogateCard, UNetArchitecture
from .dataset import INPUT_NAMES, DatasetSpec, WakeDataset, generate
from .physics import COMPONENTS, Y_PARITY
from ...surrogates.nets import build_surrogate_network, mirror_y
from ...surrogates.validation import write_surrogate  # noqa: F401 - the recipes' writer, re-exported
from ...samplers.training import hardware_description

#: +1 / -1 per component (Ws, Wx, Wy) under the mirror in y
PARITY = tuple(-1.0 if p == "odd" else 1.0 for p in Y_PARITY)

REPO = Path(__file__).resolve().parents[3]   # the repository (a source checkout)
DATA_SCRIPT = "zoo.processes.csr_wake.dataset"   # python -m DATA_SCRIPT generates the training set

COMPONENT_TEXT = {
    "Ws": "longitudinal wake: energy change per unit length of a test electron per bunch electron, in units "
          "of r_e m c^2 (x N r_e m c^2 [eV m] = eV/m; > 0 a gain)",
    "Wx": "horizontal (radial) force per unit length per bunch electron, same units (Cai & Ding's curvilinear force)",
    "Wy": "vertical force per unit length per bunch electron, same units",
}
SIGMA_TEXT = {"sigma_s": "rms bunch length (Gaussian)", "sigma_x": "rms horizontal size (Gaussian)",
              "sigma_y": "rms vertical size (Gaussian)"}


# -- cards ------------------------------------------------------------------------------------
def default_architecture(kind: str, n: int, *, y_symmetry: str, dropout: float, smoke: bool = False) -> dict:
    """The recipes' networks for an n^3 grid (kind 'sigma-mlp' or 'unet'); ``output_scale`` is set
    from the data by ``output_scales``."""
    if kind == "sigma-mlp":
        stages = max(1, int(round(math.log2(n / 4))))
        if n % 2 ** stages:
            raise ValueError(f"grid n = {n} must be 4 x a power of 2 for the sigma-mlp decoder")
        base = n // 2 ** stages
        channels = ([8, 4, 4, 4] if smoke else [32, 16, 8, 8, 8])[:stages]
        channels += [channels[-1]] * (stages - len(channels))
        ny = base // 2 if y_symmetry == "hard" else base
        if ny < 1:
            raise ValueError(f"grid n = {n} is too small for a hard y-symmetric decoder")
        return {"kind": "sigma-mlp", "n_inputs": 3, "input_transform": "log",
                "hidden": [16] if smoke else [64, 128], "latent": [8 if smoke else 32, base, base, ny],
                "decoder_channels": channels, "activation": "gelu", "dropout": dropout, "dropout_kind": "both",
                "y_symmetry": y_symmetry, "output_scale": [1.0, 1.0, 1.0]}
    if kind == "unet":
        levels = 2 if smoke else min(4, int(math.log2(n)) - 1)
        channels = [4 * 2 ** i for i in range(levels)] if smoke else [8 * 2 ** i for i in range(levels)]
        return {"kind": "unet", "channels": channels, "convs_per_level": 2, "activation": "gelu",
                "dropout": dropout, "dropout_kind": "spatial", "y_symmetry": y_symmetry,
                "input_normalization": "max", "output_scale": [1.0, 1.0, 1.0]}
    raise ValueError(f"unknown surrogate architecture {kind!r}")


def output_scales(kind: str, ds: WakeDataset, idx: np.ndarray) -> list[float]:
    """Typical size of each component over the training fields (rms over the grid, median over the
    fields; unet: of W / max(lambda)), rounded to 3 digits."""
    w = ds.W[idx].reshape(len(idx), 3, -1).astype(np.float64)
    rms = np.sqrt((w ** 2).mean(axis=-1))
    if kind == "unet":
        peak = np.array([ds.density(int(i)).max() for i in idx], dtype=np.float64)
        rms = rms / peak[:, None]
    return [float(f"{v:.3g}") for v in np.median(rms, axis=0)]


def wake_card(*, name: str, summary: str, arch: dict, ds: WakeDataset, recipe: str, seed: int, steps: int,
              batch_size: int, version: str = "0.1.0", license: str = "MIT", citation: str = "") -> SurrogateCard:
    """A card for a surrogate about to be trained (weights hash, loss and metrics filled in later)."""
    spec = ds.spec
    h = spec.half_width
    if arch["kind"] == "sigma-mlp":
        lo, hi = spec.sigma_range
        inputs = [{"name": n, "unit": "m", "kind": "scalar", "domain": [lo, hi], "description": SIGMA_TEXT[n]}
                  for n in INPUT_NAMES]
    else:
        inputs = [{"name": "density", "unit": "1/m^3", "kind": "field", "domain": None,
                   "description": "charge density on the output grid (sum x cell volume = 1 for wakes per "
                                  "electron; the wake is linear in it, any normalisation works)"}]
    try:
        data_path = ds.path.resolve().relative_to(REPO)
    except ValueError:
        data_path = ds.path
    command = (f"python -m {DATA_SCRIPT} --n {spec.n} --half-width-um {h * 1e6:g} --sampling {spec.sampling} "
               f"--per-axis {spec.per_axis} --n-samples {spec.n_samples} --seed {spec.seed} "
               f"--ood-per-kind {spec.ood_per_kind} --out {data_path}")
    card = {
        "schema_version": 1, "name": name, "version": version, "kind": "surrogate", "summary": summary,
        "inputs": inputs,
        "output": {"axes": [{"name": a, "n": spec.n, "extent": [-h, h], "unit": "m"} for a in "sxy"],
                   "components": [{"name": c, "unit": "1/m^2", "description": COMPONENT_TEXT[c],
                                   "y_parity": p} for c, p in zip(COMPONENTS, Y_PARITY)],
                   "physics": {"process": "csr_wake", "rho_m": spec.rho, "gamma": spec.gamma, "charge_C": 1e-9}},
        "architecture": arch,
        "weights": {"file": f"{name}.safetensors", "sha256": "0" * 64, "parameter_count": 1, "dtype": "float32"},
        "training": {"recipe": recipe, "seed": seed, "loss": "relative MSE", "steps": steps, "batch_size": batch_size,
                     "final_loss": None, "hardware": hardware_description(), "wall_time_s": 0.0,
                     "torch_version": torch.__version__, "hyperparameters": {},
                     "dataset": {"generator": DATA_SCRIPT, "command": command, "sha256": ds.sha256,
                                 "densities": "gaussian", "sampling": spec.sampling_text, "seed": spec.seed,
                                 "n_train": int((~ds.test).sum()), "n_test": int(ds.test.sum()),
                                 "n_ood": len(ds.ood_kind), "grid_n": [spec.n] * 3,
                                 "grid_extent_m": [[-h, h]] * 3,
                                 "generation_wall_time_s": float(ds.meta.get("wall_time_s", 0.0)),
                                 "generation_hardware": str(ds.meta.get("hardware", "unknown"))}},
        "license": license,
        "citation": citation or ("C. Leon, Physics constraint machine learning for relativistic, charged particle "
                                 "beams (LANL, 2024): sigma-NN and lambda-NN CSR wake surrogates; wakes: Cai & Ding, "
                                 "Phys. Rev. Accel. Beams 23, 014402 (2020)"),
    }
    arch_model = (SigmaMLPArchitecture if arch["kind"] == "sigma-mlp" else UNetArchitecture).model_validate_json(
        json.dumps(arch))
    card["weights"]["parameter_count"] = arch_model.parameter_count
    return SurrogateCard.model_validate_json(json.dumps(card))


# -- training ------------------------------------------------------------------------------------
def _domains(card: SurrogateCard) -> list[tuple[float, float]]:
    return [tuple(i.domain) for i in card.inputs if i.kind == "scalar"]


def build_net(card: SurrogateCard) -> torch.nn.Module:
    return build_surrogate_network(card.architecture, _domains(card), parity=PARITY)


def relative_mse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    var = true.flatten(2).var(dim=-1, unbiased=False).clamp_min(1e-30)
    return (((pred - true) ** 2).flatten(2).mean(dim=-1) / var).mean()


def symmetry_penalty(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    var = true.flatten(2).var(dim=-1, unbiased=False).clamp_min(1e-30)
    return ((((pred - mirror_y(pred, PARITY)) / 2) ** 2).flatten(2).mean(dim=-1) / var).mean()


def _cosine(step: int, steps: int, lr: float) -> float:
    return lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(step, steps) / max(steps, 1))))


def train(net: torch.nn.Module, card: SurrogateCard, ds: WakeDataset, *, steps: int, batch_size: int, lr: float,
          seed: int, device: str = "cpu", symmetry_weight: float = 0.0, superpose: float = 0.0,
          checkpoint: Path | None = None, checkpoint_every: int = 250, log_every: int = 50,
          stream=sys.stderr) -> tuple[float, float]:
    """Adam on the relative MSE (+ soft constraint); returns (final loss, wall time in s)."""
    field = card.inputs[0].kind == "field"
    train_idx = np.flatnonzero(~ds.test)
    x_all = torch.from_numpy(ds.densities(train_idx) if field else ds.sigma[train_idx])
    w_all = torch.from_numpy(np.ascontiguousarray(ds.W[train_idx]))
    dev = torch.device(device)
    net.to(dev).train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    step, elapsed0, losses = 0, 0.0, []
    if checkpoint is not None and checkpoint.is_file():
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        torch.set_rng_state(state["torch_rng"])
        step, elapsed0, losses = state["step"], state["elapsed"], state["losses"]
        print(f"[{card.name}] resuming from {checkpoint} at step {step}", file=stream, flush=True)

    def save():
        if checkpoint is None:
            return
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        state = {"net": net.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                 "torch_rng": torch.get_rng_state(), "step": step, "elapsed": elapsed0 + time.perf_counter() - t0,
                 "losses": losses}
        atomic_write(checkpoint, lambda f: torch.save(state, f), what="checkpoint")

    t0 = time.perf_counter()
    start = step
    n = len(train_idx)
    while step < steps:
        idx = torch.randint(n, (min(batch_size, n),), generator=gen)
        x, w = x_all[idx], w_all[idx]
        if superpose > 0 and field:
            mix = torch.rand(len(idx), generator=gen) < superpose
            if bool(mix.any()):
                other = torch.randint(n, (len(idx),), generator=gen)
                a = torch.rand(len(idx), generator=gen) * 0.8 + 0.2
                b = torch.rand(len(idx), generator=gen) * 0.8 + 0.2
                a, b = torch.where(mix, a, torch.ones_like(a)), torch.where(mix, b, torch.zeros_like(b))
                x = a[:, None, None, None] * x + b[:, None, None, None] * x_all[other]
                w = a[:, None, None, None, None] * w + b[:, None, None, None, None] * w_all[other]
        x, w = x.to(dev), w.to(dev)
        for g in opt.param_groups:
            g["lr"] = _cosine(step, steps, lr)
        pred = net(x)
        data = relative_mse(pred, w)
        loss = data + symmetry_weight * symmetry_penalty(pred, w) if symmetry_weight > 0 else data
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(float(data.detach()))
        if stream is not None and (step % log_every == 0 or step == steps):
            el = time.perf_counter() - t0
            per = el / (step - start)
            print(f"[{card.name}] step {step}/{steps}  relative MSE {np.mean(losses[-log_every:]):.3e}  "
                  f"{per:.2f} s/step  {elapsed0 + el:.0f}s elapsed, ETA {per * (steps - step):.0f}s",
                  file=stream, flush=True)
        if checkpoint is not None and step % checkpoint_every == 0:
            save()
    save()
    net.to("cpu").eval()
    final = float(np.mean(losses[-min(len(losses), 50):])) if losses else float("nan")
    return final, elapsed0 + time.perf_counter() - t0


# -- command line -----------------------------------------------------------------------------------
def recipe_main(*, network: str, name: str, summary: str, recipe: str, steps: int, batch_size: int, lr: float,
                seed: int = 0, dropout: float = 0.1, superpose: float = 0.0, version: str = "0.1.0",
                grid_n: int = 64, linear: bool = False, dropout_levels: str = "all", sampling: str = "grid",
                n_samples: int = 216, hidden: str | None = None, channels: str | None = None,
                default_out: Path | None = None, argv=None) -> SurrogateCard:
    """Command line of a surrogate recipe: dataset (generated if missing), train, write, validate.
    ``network``: "sigma-mlp" or "unet"; ``summary`` may name ``{grid}`` (e.g. "64^3 grid over +-48 um").
    ``sampling``, ``n_samples``, ``hidden``, ``channels``: the defaults of the flags of those names."""
    kind = network
    ap = argparse.ArgumentParser(prog=f"zoo train {name}",
                                 description=f"Train the {name} field surrogate and write its weights and "
                                             "validated card.")
    ap.add_argument("--out", default=None, required=default_out is None,
                    help=f"output folder (default {default_out} or, with --name, its sibling folder)")
    ap.add_argument("--name", default=name, help="model name (e.g. for the constraint variants)")
    ap.add_argument("--data", default=None, help="training set .npz (default checkpoints/data/csr_wakes-<spec>.npz; "
                                                 "generated there if missing)")
    ap.add_argument("--grid-n", type=int, default=grid_n,
                    help=f"grid points per axis of the dataset (default {grid_n})")
    ap.add_argument("--half-width-um", type=float, default=48.0)
    ap.add_argument("--sampling", choices=["grid", "lhs"], default=sampling)
    ap.add_argument("--per-axis", type=int, default=6)
    ap.add_argument("--n-samples", type=int, default=n_samples)
    ap.add_argument("--data-seed", type=int, default=0)
    ap.add_argument("--ood-per-kind", type=int, default=4)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--batch-size", type=int, default=batch_size)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--dropout", type=float, default=dropout)
    ap.add_argument("--channels", default=channels,
                    help="comma-separated feature maps (unet: per level, e.g. 4,8,16,32; sigma-mlp: per decoder "
                         "stage) instead of the recipe's")
    ap.add_argument("--hidden", default=hidden,
                    help="sigma-mlp: comma-separated MLP widths (default the recipe's, else 64,128)")
    ap.add_argument("--y-symmetry", choices=["none", "hard"], default="hard",
                    help="hard: the architecture is exactly y-symmetric; none: unconstrained")
    ap.add_argument("--symmetry-weight", type=float, default=0.0,
                    help="weight of the soft y-symmetry loss (with --y-symmetry none)")
    ap.add_argument("--superpose", type=float, default=superpose,
                    help="density models: probability of replacing a training pair by a random superposition")
    ap.add_argument("--linear", action=argparse.BooleanOptionalAction, default=linear,
                    help="unet: identity activations, no biases, average pooling: exactly linear in lambda, as the "
                         f"wake is (a hard constraint; default {'on' if linear else 'off'})")
    ap.add_argument("--dropout-levels", choices=["all", "bottleneck"], default=dropout_levels,
                    help=f"unet: the blocks with dropout (default {dropout_levels})")
    ap.add_argument("--mc-samples", type=int, default=20, help="Monte Carlo dropout passes for validation")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--checkpoint-dir", default=None)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="16^3 grid, 8 bunches, a few steps (seconds)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.name
    out = Path(args.out) if args.out else Path(default_out).parent / name
    if args.smoke:
        args.grid_n, args.half_width_um, args.sampling, args.per_axis, args.ood_per_kind = 16, 48.0, "grid", 2, 1
        args.steps, args.batch_size, args.mc_samples = 12, 2, 3
        # the smoke network, unless the command line (not the recipe) names its widths
        args.channels = None if args.channels == channels else args.channels
        args.hidden = None if args.hidden == hidden else args.hidden
    spec = DatasetSpec(n=args.grid_n, half_width=args.half_width_um * 1e-6, sampling=args.sampling,
                       per_axis=args.per_axis, n_samples=args.n_samples, seed=args.data_seed,
                       ood_per_kind=args.ood_per_kind)
    if args.data:
        data = Path(args.data)
    elif args.smoke:
        data = out / ".smoke-data" / f"csr_wakes-n{spec.n}-{spec.key()}.npz"
    else:
        data = REPO / "checkpoints" / "data" / f"csr_wakes-n{spec.n}-{spec.key()}.npz"
    command = (f"python -m {DATA_SCRIPT} --n {spec.n} --half-width-um {args.half_width_um:g} "
               f"--sampling {spec.sampling} --per-axis {spec.per_axis} --n-samples {spec.n_samples} --seed {spec.seed} "
               f"--ood-per-kind {spec.ood_per_kind} --out {data}")
    ds = generate(spec, data, command=command)
    arch = default_architecture(kind, spec.n, y_symmetry=args.y_symmetry, dropout=args.dropout, smoke=args.smoke)
    if args.channels:
        chans = [int(c) for c in args.channels.split(",")]
        if kind == "sigma-mlp":     # one per decoder stage: a finer grid repeats the last (as the default does)
            chans += chans[-1:] * (len(arch["decoder_channels"]) - len(chans))
        arch["channels" if kind == "unet" else "decoder_channels"] = chans
    if args.hidden and kind == "sigma-mlp":
        arch["hidden"] = [int(h) for h in args.hidden.split(",")]
    if kind == "unet":
        arch["dropout_levels"] = args.dropout_levels
        if args.linear:
            arch.update(activation="identity", bias=False, pooling="avg")
    arch["output_scale"] = output_scales(kind, ds, np.flatnonzero(~ds.test))
    grid_text = f"{spec.n}^3 grid over +-{spec.half_width * 1e6:g} um"
    card = wake_card(name=name, summary=summary.format(grid=grid_text), arch=arch, ds=ds, recipe=recipe, seed=args.seed,
                     steps=args.steps, batch_size=args.batch_size, version=version)
    hp = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
          "dropout": args.dropout, "y_symmetry": args.y_symmetry, "symmetry_weight": args.symmetry_weight,
          "superpose": args.superpose if kind == "unet" else 0.0, "mc_samples": args.mc_samples,
          "smoke": bool(args.smoke), "device": args.device,
          "channels": ",".join(map(str, arch["channels" if kind == "unet" else "decoder_channels"])),
          **({"linear": bool(args.linear), "dropout_levels": args.dropout_levels} if kind == "unet" else {})}
    torch.manual_seed(args.seed)  # the initial weights are part of the seeded run
    net = build_net(card)
    run_spec = {"card": card.model_dump(mode="json", include={"inputs", "output", "architecture"}),
                "dataset": ds.sha256, **{k: v for k, v in hp.items() if k not in ("device", "mc_samples")}}
    run_id = f"{name}-" + hashlib.sha256(json.dumps(run_spec, sort_keys=True).encode()).hexdigest()[:12]
    ckpt_dir = Path(args.checkpoint_dir) if args.checkpoint_dir else (
        out / ".checkpoints" if args.smoke else REPO / "checkpoints" / name)
    ckpt = ckpt_dir / f"{run_id}.pt"
    if args.fresh and ckpt.exists():
        ckpt.unlink()
    print(f"[{name}] {card.architecture.kind}, {card.weights.parameter_count} weights, grid {spec.n}^3, "
          f"{card.training.dataset.n_train} training fields; {args.steps} steps of {args.batch_size}",
          file=sys.stderr, flush=True)
    final, wall = train(net, card, ds, steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        device=args.device, symmetry_weight=args.symmetry_weight,
                        superpose=args.superpose if kind == "unet" else 0.0, checkpoint=ckpt,
                        log_every=max(1, min(50, args.steps // 4)))
    loss = ("relative MSE (mean over fields and components of MSE / variance of the true component)"
            + (f" + {args.symmetry_weight:g} x soft y-symmetry" if args.symmetry_weight > 0 else "")
            + f"; Adam {args.steps} steps, lr {args.lr:g} cosine to {args.lr / 100:g}")
    card = card.model_copy(update={"training": card.training.model_copy(update={
        "final_loss": final if math.isfinite(final) else None, "wall_time_s": round(wall, 1), "loss": loss,
        "hardware": hardware_description(args.device), "hyperparameters": hp})})
    print(f"[{name}] validating on {card.training.dataset.n_test} held-out fields ({args.mc_samples} Monte Carlo "
          "dropout passes) ...", file=sys.stderr, flush=True)
    card = write_surrogate(net, card, out, ds, mc_samples=args.mc_samples, seed=args.seed, device=args.device)
    m = card.metrics
    print(f"wrote {out}: test relative MAE Ws {m.test_mae_relative.Ws:.2%} Wx {m.test_mae_relative.Wx:.2%} "
          f"Wy {m.test_mae_relative.Wy:.2%}; 2-sigma calibration {m.calibration_2sigma.Ws:.2f}/"
          f"{m.calibration_2sigma.Wx:.2f}/{m.calibration_2sigma.Wy:.2f}; training {wall:.0f}s", flush=True)
    return card
