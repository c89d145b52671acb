"""Training on the CDF loss of eq. 4 / eq. 17 and writing a model folder.

Recipes in ``training_recipes/`` call ``train_cdf_loss`` and ``write_model``; the
card's metrics always come from ``zoo.validation.validate``.
"""
from __future__ import annotations

import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from . import weights as weights_io
from .card import CARD_FILENAME, ModelCard
from .model import InverseCDFModel
from .targets import torch_component_cdf
from .validation import training_values, validate


def hardware_description() -> str:
    cpu = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    return f"CPU {cpu}, {threads} torch threads"


def training_lists(card: ModelCard) -> dict[str, np.ndarray]:
    """The discrete parameter values training draws from (held-out midpoints never occur)."""
    return {p.name: training_values(p, card.training.parameter_grid[p.name]) for p in card.target.parameters}


def cdf_loss(model: InverseCDFModel, u: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Sum over components of MSE(C_k(x_k | x_<k, Z), u_k) (eq. 4 and 17).

    For the ``clamp`` squash, raw outputs outside [0, 1] add (distance to [0, 1])^2:
    the clamp has no gradient there, the penalty brings them back.
    """
    x, _, z = model(u, params, return_raw=True)
    loss = u.new_zeros(())
    for k, spec in enumerate(model.card.architecture.subnets):
        prev = x[:, :k].detach() if k else None
        c = torch_component_cdf(model.target, k, x[:, k], prev, params)
        loss = loss + torch.mean((c - u[:, k]) ** 2)
        if spec.output_transform.squash == "clamp":
            loss = loss + torch.mean(torch.relu(-z[:, k]) ** 2 + torch.relu(z[:, k] - 1.0) ** 2)
    return loss


def train_cdf_loss(model: InverseCDFModel, *, steps: int, batch_size: int, lr: float, seed: int,
                   lr_final: float = 1e-5, log_every: int = 200, stream=sys.stderr) -> float:
    """Adam on the CDF loss with a cosine learning-rate schedule; returns the final loss
    (mean of the last 5% of steps). Deterministic for a seed on a given machine."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lists = training_lists(model.card)
    opt = torch.optim.Adam(model.net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (lr_final + 0.5 * (lr - lr_final) * (1 + math.cos(math.pi * s / max(steps, 1)))) / lr)
    t0 = time.perf_counter()
    tail = []
    for step in range(1, steps + 1):
        params = {n: torch.as_tensor(rng.choice(v, size=batch_size)) for n, v in lists.items()}
        u = torch.as_tensor(rng.random((batch_size, model.dim)))
        loss = cdf_loss(model, u, params)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step > 0.95 * steps:
            tail.append(loss.item())
        if stream is not None and (step % log_every == 0 or step == steps):
            el = time.perf_counter() - t0
            print(f"[{model.card.name}] step {step}/{steps}  loss {loss.item():.3e}  "
                  f"lr {sched.get_last_lr()[0]:.1e}  {el:.0f}s elapsed, ~{el / step * (steps - step):.0f}s left",
                  file=stream, flush=True)
    return float(np.mean(tail)) if tail else float("nan")


def write_model(model: InverseCDFModel, out_dir: str | Path, *, validate_model: bool = True,
                validation_kwargs: dict | None = None) -> ModelCard:
    """Save weights + card into out_dir; the card's weights hash/count are filled in here and
    its metrics by the validator."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card = model.card
    sha, count = weights_io.save(model.net.state_dict(), out / card.weights.file)
    card = card.model_copy(update={"weights": card.weights.model_copy(update={"sha256": sha, "parameter_count": count})})
    if validate_model:
        model.card = card
        card = card.model_copy(update={"metrics": validate(model, **(validation_kwargs or {}))})
    card = ModelCard.model_validate_json(card.model_dump_json())  # re-check the whole card
    card.write(out / CARD_FILENAME)
    return card


def base_card(*, name: str, summary: str, target_id: str, parameters: list[dict], hidden: list[int],
              activation: str, output_transform: dict, recipe: str, seed: int, steps: int,
              batch_size: int, parameter_grid: dict[str, int], version: str = "0.1.0",
              citation: str = "", license: str = "MIT") -> ModelCard:
    """A card for a model about to be trained (hash, counts, loss and metrics filled in later)."""
    from .targets import get_target

    target = get_target(target_id)
    units = {p.name: p.unit for p in target.parameters}
    n_params = len(parameters)
    subnets = [dict(n_inputs=1 + k + n_params, hidden=hidden, activation=activation,
                    output_transform=output_transform) for k in range(target.dim)]
    return ModelCard.model_validate({
        "schema_version": 1, "name": name, "version": version, "summary": summary,
        "target": {"id": target_id,
                   "variables": [{"name": v.name, "unit": v.unit} for v in target.variables],
                   "parameters": [{**p, "unit": units[p["name"]]} for p in parameters]},
        "architecture": {"kind": "mlp" if target.dim == 1 else "chained", "subnets": subnets},
        "weights": {"file": f"{name}.safetensors", "sha256": "0" * 64, "parameter_count": 1, "dtype": "float32"},
        "training": {"recipe": recipe, "seed": seed, "loss": "cdf-mse (eq. 4/17)", "steps": steps,
                     "batch_size": batch_size, "final_loss": float("nan"), "parameter_grid": parameter_grid,
                     "hardware": hardware_description(), "wall_time_s": 0.0, "torch_version": torch.__version__},
        "license": license,
        "citation": citation or ("Charles & Chen, 'A Machine Learning Method for Monte Carlo Calculations "
                                 "of Radiative Processes' (seed paper of radzoo)"),
    })


def recipe_main(make_card, *, default_out: str, steps: int, batch_size: int, lr: float, seed: int = 0,
                smoke_steps: int = 50, argv=None) -> ModelCard:
    """Command line of a training recipe: train, write weights and card, validate."""
    import argparse

    ap = argparse.ArgumentParser(description=f"Train the {Path(default_out).name} model on the CDF loss.")
    ap.add_argument("--out", default=default_out, help="output folder for card.json and the weights")
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--batch-size", type=int, default=batch_size)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--smoke", action="store_true", help=f"{smoke_steps} steps and a coarse validation (seconds)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    n_steps = smoke_steps if args.smoke else args.steps
    card = make_card(seed=args.seed, steps=n_steps, batch_size=args.batch_size)
    torch.manual_seed(args.seed)  # the initial weights are part of the seeded run
    model = InverseCDFModel(card)
    t0 = time.perf_counter()
    final = train_cdf_loss(model, steps=n_steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    wall = round(time.perf_counter() - t0, 1)
    model.card = card.model_copy(update={"training": card.training.model_copy(
        update={"final_loss": final, "wall_time_s": wall})})
    vkw = dict(n_per_param=3, u_grid=1024, js_bins=100) if args.smoke else None
    card = write_model(model, args.out, validation_kwargs=vkw)
    m = card.metrics
    print(f"wrote {args.out}: KS median {m.ks_median:.2e}, max {m.ks_max:.2e}, JS median {m.js_median:.2e}, "
          f"monotone {m.monotone}, training {wall:.0f}s", flush=True)
    return card
