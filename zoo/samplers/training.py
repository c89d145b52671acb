"""Training (CDF loss of eq. 4/17, or quantile regression on exact tables) and writing a model folder.

Recipes (``registry/<name>/recipe.toml``, run by ``zoo train``: zoo.recipes) call ``recipe_main``;
the card's metrics always come
from ``zoo.samplers.validation.validate``.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import weights as weights_io
from ..card import CARD_FILENAME, ModelCard
from ..files import atomic_write
from .model import InverseCDFModel
from ..targets import torch_component_cdf
from .validation import measured_card, training_values, validate


def hardware_description(device: str = "cpu") -> str:
    """What trained the model, for the card."""
    if torch.device(device).type == "cuda":
        return f"{torch.cuda.get_device_name(torch.device(device))} (CUDA)"
    cpu = platform.processor() or platform.machine()
    return f"CPU {cpu} ({os.cpu_count()} cores), {torch.get_num_threads()} torch threads"


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


class CDFObjective:
    """The CDF loss of eq. 4/17 on u ~ U(0,1)^d and parameters drawn from the training lists."""

    name = "cdf-mse (eq. 4/17)"

    def __init__(self, model: InverseCDFModel):
        self.lists = training_lists(model.card)
        self.dim = model.dim

    def batch(self, rng: np.random.Generator, n: int):
        params = {k: torch.as_tensor(rng.choice(v, size=n)) for k, v in self.lists.items()}
        return torch.as_tensor(rng.random((n, self.dim))), params

    def loss(self, model: InverseCDFModel, data) -> torch.Tensor:
        u, params = data
        return cdf_loss(model, u, params)


class QuantileObjective:
    """Quantile regression: density-weighted MSE between the raw outputs z_k(u, Z) and the
    exact z*_k of an inverse-CDF table (``zoo.samplers.quantiles.build_table``); H_k sees the exact
    earlier components (teacher forcing)."""

    name = "density-weighted quantile-mse on exact inverse-CDF tables"

    def __init__(self, table: dict[str, torch.Tensor], key: str | None = None, tails: bool = False):
        if tails:
            self.name = ("tail-weighted quantile-mse on exact inverse-CDF tables (weights: squared relative "
                         "tail-mass error, half the u logit-stratified down to 1e-8 at both ends)")
        self.table = table
        self.size = len(table["u"])
        self.key = key  # identifies the table (zoo.samplers.quantiles.table_key), part of a run's identity

    def batch(self, rng: np.random.Generator, n: int):
        idx = torch.as_tensor(rng.integers(0, self.size, n))
        return {k: v[idx] for k, v in self.table.items()}

    def loss(self, model: InverseCDFModel, data) -> torch.Tensor:
        params = {k: v for k, v in data.items() if k not in ("u", "w", "z", "weight")}
        # one teacher-forced pass: H_k conditioned on the exact earlier w (eq. 17), every z_k at once
        _, _, z = model(data["u"], params, teacher_w=data["w"] if model.dim > 1 else None, return_raw=True)
        loss = data["u"].new_zeros(())
        for k in range(model.dim):
            loss = loss + torch.mean(data["weight"][:, k] * (z[:, k] - data["z"][:, k]) ** 2)
        return loss


def _to(data, device):
    """A batch (tensors in tuples/dicts) on the training device."""
    if isinstance(data, torch.Tensor):
        return data.to(device)
    if isinstance(data, dict):
        return {k: _to(v, device) for k, v in data.items()}
    return tuple(_to(v, device) for v in data)


@dataclass(frozen=True)
class FitResult:
    final_loss: float
    wall_time_s: float


def _cosine(step: int, steps: int, lr: float, lr_final: float) -> float:
    return lr_final + 0.5 * (lr - lr_final) * (1 + math.cos(math.pi * step / max(steps, 1)))


def fit(model: InverseCDFModel, objective, *, steps: int, batch_size: int, lr: float, seed: int,
        lr_final: float = 1e-5, lbfgs_rounds: int = 0, lbfgs_iterations: int = 200,
        lbfgs_batch: int = 65536, checkpoint: str | Path | None = None, checkpoint_every: int = 1000,
        log_every: int = 500, device: str | torch.device = "cpu", polish=None, stream=sys.stderr) -> "FitResult":
    """Adam with a cosine learning-rate schedule for ``steps`` steps, then ``lbfgs_rounds``
    rounds of L-BFGS (strong Wolfe line search), each on a fresh random batch of
    ``lbfgs_batch`` points of ``polish`` (another objective, default the same one).
    Returns the final loss (mean of the last 5% of Adam steps, or the loss after the last
    L-BFGS round) and the training wall time [s], summed over resumed runs.

    Deterministic for a seed on a given machine. With ``checkpoint`` (a file path) the
    state is saved every ``checkpoint_every`` steps and after each L-BFGS round, and a
    run started with an existing checkpoint resumes from it.
    """
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.net.parameters(), lr=lr)
    start, round0, tail, final, elapsed0 = 1, 0, [], float("nan"), 0.0
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, weights_only=True, map_location=device)
        model.net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        rng.bit_generator.state = json.loads(state["rng"])
        start, round0, tail = state["step"] + 1, state["round"], list(state["tail"])
        final, elapsed0 = float(state.get("final", float("nan"))), float(state.get("elapsed", 0.0))
        if round0 > lbfgs_rounds:
            raise ValueError(f"checkpoint {ckpt} is past the requested schedule ({round0} > {lbfgs_rounds} "
                             "L-BFGS rounds); start over with --fresh")
        if stream is not None:
            print(f"[{model.card.name}] resumed from {ckpt} at step {state['step']}, L-BFGS round {round0}",
                  file=stream, flush=True)

    def save(step: int, rnd: int, final: float) -> None:
        if ckpt is None:
            return
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        state = {"net": model.net.state_dict(), "opt": opt.state_dict(), "step": step, "round": rnd,
                 "rng": json.dumps(rng.bit_generator.state), "tail": tail, "final": final,
                 "elapsed": elapsed0 + time.perf_counter() - t0}
        atomic_write(ckpt, lambda f: torch.save(state, f), what="checkpoint")

    t0 = time.perf_counter()
    for step in range(start, steps + 1):
        for group in opt.param_groups:
            group["lr"] = _cosine(step, steps, lr, lr_final)
        loss = objective.loss(model, _to(objective.batch(rng, batch_size), device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step > 0.95 * steps:
            tail.append(loss.item())
        if stream is not None and (step % log_every == 0 or step == steps):
            el = time.perf_counter() - t0
            print(f"[{model.card.name}] Adam step {step}/{steps}  loss {loss.item():.3e}  "
                  f"lr {opt.param_groups[0]['lr']:.1e}"
                  f"  {el:.0f}s elapsed, ~{el / (step - start + 1) * (steps - step):.0f}s left",
                  file=stream, flush=True)
        if step == steps:
            final = float(np.mean(tail)) if tail else float("nan")
        if step % checkpoint_every == 0 or step == steps:
            save(step, round0, final)
    params = list(model.net.parameters())
    for rnd in range(round0 + 1, lbfgs_rounds + 1):
        polish = polish or objective
        data = _to(polish.batch(rng, lbfgs_batch), device)
        lbfgs = torch.optim.LBFGS(params, lr=1.0, max_iter=lbfgs_iterations, history_size=50,
                                  line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0)

        def closure():
            lbfgs.zero_grad(set_to_none=True)
            value = polish.loss(model, data)
            value.backward()
            return value

        lbfgs.step(closure)
        with torch.no_grad():
            final = polish.loss(model, data).item()
        if stream is not None:
            print(f"[{model.card.name}] L-BFGS round {rnd}/{lbfgs_rounds}  loss {final:.3e}  "
                  f"{time.perf_counter() - t0:.0f}s elapsed", file=stream, flush=True)
        save(steps, rnd, final)
    return FitResult(final, elapsed0 + time.perf_counter() - t0)


def train_cdf_loss(model: InverseCDFModel, *, steps: int, batch_size: int, lr: float, seed: int,
                   lr_final: float = 1e-5, log_every: int = 200, stream=sys.stderr) -> float:
    """Adam on the CDF loss (eq. 4/17) with a cosine schedule; returns the final loss."""
    return fit(model, CDFObjective(model), steps=steps, batch_size=batch_size, lr=lr, seed=seed,
               lr_final=lr_final, log_every=log_every, stream=stream).final_loss


def write_model(model: InverseCDFModel, out_dir: str | Path, *, validate_model: bool = True,
                validation_kwargs: dict | None = None) -> ModelCard:
    """Save weights + card into out_dir; the card's weights hash/count are filled in here and
    its metrics by the validator."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card = model.card
    sha, count = weights_io.save(model.net.state_dict(), out / card.weights.file)
    card = card.model_copy(
        update={"weights": card.weights.model_copy(update={"sha256": sha, "parameter_count": count})})
    if validate_model:
        model.card = card
        metrics = validate(model, **(validation_kwargs or {}))
        card = measured_card(card).model_copy(update={"metrics": metrics})
    card = ModelCard.model_validate_json(card.model_dump_json())  # re-check the whole card
    card.write(out / CARD_FILENAME)
    return card


def _parse_hidden(text: str) -> list[int] | list[list[int]]:
    """'64,64,64' -> [64, 64, 64]; '96,96,96/32,32' -> [[96, 96, 96], [32, 32]] (one per component)."""
    try:
        lists = [[int(h) for h in part.split(",")] for part in text.split("/")]
    except ValueError:
        raise SystemExit(f"--hidden: comma-separated integer widths, one list per component separated by '/' "
                         f"(e.g. 64,64,64 or 96,96,96/32,32); got {text!r}") from None
    return lists[0] if len(lists) == 1 else lists


def base_card(*, name: str, summary: str, target_id: str, parameters: list[dict], hidden: list[int],
              activation: str, output_transform: dict | list[dict], recipe: str, seed: int, steps: int,
              u_transform: str = "identity", residual: bool = False, earlier_extra_inputs: tuple[str, ...] = (),
              batch_size: int, parameter_grid: dict[str, int], version: str = "0.1.0",
              citation: str = "", license: str = "MIT", variant: str = "accurate",
              sibling: str | None = None) -> ModelCard:
    """A card for a model about to be trained (hash, counts, loss and metrics filled in later).
    ``output_transform``: one dict for every subnet, or a list with one per component; ``hidden``:
    the widths of every subnet (``[96, 96, 96]``) or a list with one per component
    (``[[96, 96, 96], [32, 32]]``); ``earlier_extra_inputs``: further columns of each earlier output
    for the subnets after the first (``SubnetCard.earlier_extra_inputs``); ``variant`` and ``sibling``:
    ``ModelCard.variant`` ("accurate" or "fast") and the registry name of the other variant."""
    from ..targets import get_target

    target = get_target(target_id)
    units = {p.name: p.unit for p in target.parameters}
    n_params = sum(1 + len(p.get("extra_inputs", [])) for p in parameters)
    per_k = output_transform if isinstance(output_transform, list) else [output_transform] * target.dim
    if len(per_k) != target.dim:
        raise ValueError(f"output_transform: one per component ({target.dim}) or one for all; got {len(per_k)}")
    per_k_hidden = hidden if hidden and isinstance(hidden[0], (list, tuple)) else [hidden] * target.dim
    if len(per_k_hidden) != target.dim:
        raise ValueError(f"hidden: one list of widths for all subnets or one per component ({target.dim}); "
                         f"got {len(per_k_hidden)}")
    extra = list(earlier_extra_inputs)
    subnets = [dict(n_inputs=1 + k * (1 + len(extra)) + n_params, hidden=list(per_k_hidden[k]),
                    activation=activation, output_transform=per_k[k], u_transform=u_transform,
                    residual=residual, **({"earlier_extra_inputs": extra} if extra and k else {}))
               for k in range(target.dim)]
    from ..card import Architecture

    arch = {"kind": "mlp" if target.dim == 1 else "chained", "subnets": subnets}
    count = Architecture.model_validate(arch).parameter_count
    return ModelCard.model_validate({
        "schema_version": 1, "name": name, "version": version, "summary": summary,
        **({"variant": variant} if variant != "accurate" else {}), **({"sibling": sibling} if sibling else {}),
        "target": {"id": target_id,
                   "variables": [{"name": v.name, "unit": v.unit} for v in target.variables],
                   "parameters": [{**p, "unit": units[p["name"]]} for p in parameters]},
        "architecture": arch,
        "weights": {"file": f"{name}.safetensors", "sha256": "0" * 64, "parameter_count": count, "dtype": "float32"},
        "training": {"recipe": recipe, "seed": seed, "loss": "cdf-mse (eq. 4/17)", "steps": steps,
                     "batch_size": batch_size, "final_loss": None, "parameter_grid": parameter_grid,
                     "hardware": hardware_description(), "wall_time_s": 0.0, "torch_version": torch.__version__},
        "license": license,
        "citation": citation or ("Charles & Chen, 'A Machine Learning Method for Monte Carlo Calculations "
                                 "of Radiative Processes' (seed paper of radzoo)"),
    })


def recipe_card(recipe, *, seed: int, steps: int, batch_size: int, hidden=None) -> ModelCard:
    """The card a sampler recipe (``zoo.recipes.Recipe``) describes before training: ``base_card`` of
    its ``[card]`` table (``hidden`` overrides its widths)."""
    spec = recipe.arguments("card", base_card, reserved=("name", "recipe", "seed", "steps", "batch_size"))
    # TOML arrays are lists; the card's domains are (lo, hi) pairs
    spec["parameters"] = [{**p, "domain": tuple(p["domain"])} if isinstance(p, dict) and "domain" in p else p
                          for p in spec.get("parameters", [])]
    if hidden is not None:
        spec["hidden"] = hidden
    return base_card(name=recipe.name, recipe=recipe.reference, seed=seed, steps=steps, batch_size=batch_size,
                     **spec)


def describe_training(objective, *, steps: int, batch_size: int, lr: float, lbfgs_rounds: int,
                      lbfgs_iterations: int, lbfgs_batch: int, polish: str = "the CDF loss (eq. 4/17)") -> str:
    text = f"{objective.name}; Adam {steps} steps (batch {batch_size}, lr {lr:g} cosine to 1e-5)"
    if lbfgs_rounds:
        text += (f", then {lbfgs_rounds} x {lbfgs_iterations} L-BFGS iterations on {polish}, "
                 f"{lbfgs_batch} points each")
    return text


def recipe_hyperparameters(args, card: ModelCard) -> dict:
    """The settings of a recipe run that shape the result, as data for ``TrainingCard``."""
    keep = ("objective", "steps", "batch_size", "lr", "lbfgs_rounds", "lbfgs_iterations", "lbfgs_batch",
            "table_u", "seed", "smoke")
    out = {k: getattr(args, k) for k in keep if hasattr(args, k)}
    per_k = [",".join(str(w) for w in sub.hidden) for sub in card.architecture.subnets]
    out["hidden"] = per_k[0] if len(set(per_k)) == 1 else "/".join(per_k)   # the --hidden syntax
    return out


def recipe_main(make_card, *, name: str, default_out: str | None, steps: int, batch_size: int, lr: float,
                seed: int = 0, objective: str = "cdf", lbfgs_rounds: int = 0, lbfgs_iterations: int = 200,
                lbfgs_batch: int = 65536, table_u: int = 257, smoke_steps: int = 50, argv=None) -> ModelCard:
    """Command line of a sampler recipe (``zoo train``, zoo.recipes): train, write weights and card,
    validate. ``default_out``: the folder written without ``--out`` (None: ``--out`` is required).

    ``objective`` is ``cdf`` (eq. 4/17), ``quantile`` (regression onto exact inverse-CDF
    tables of ``table_u`` u values per training parameter point) or ``tail-quantile`` (the
    same with tables and weights for relative accuracy in the tails, see zoo.samplers.quantiles; its
    L-BFGS rounds polish on the same objective, the others' on the CDF loss).
    Checkpoints go to ``--checkpoint-dir`` (default ``checkpoints/<name>/``); rerunning
    the same command after an interruption resumes (``--fresh`` starts over).
    """
    import argparse

    ap = argparse.ArgumentParser(prog=f"zoo train {name}",
                                 description=f"Train the {name} model and write its weights and validated card.")
    ap.add_argument("--out", default=default_out, required=default_out is None,
                    help=f"output folder for card.json and the weights (default {default_out})")
    ap.add_argument("--objective", choices=["cdf", "quantile", "tail-quantile"], default=objective)
    ap.add_argument("--steps", type=int, default=steps, help="Adam steps")
    ap.add_argument("--batch-size", type=int, default=batch_size)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--lbfgs-rounds", type=int, default=lbfgs_rounds)
    ap.add_argument("--lbfgs-iterations", type=int, default=lbfgs_iterations)
    ap.add_argument("--lbfgs-batch", type=int, default=lbfgs_batch)
    ap.add_argument("--table-u", type=int, default=table_u, help="u values per parameter point (quantile tables)")
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--hidden", default=None,
                    help="hidden widths, e.g. 64,64,64 for every subnet, or one list per "
                         "component separated by '/', e.g. 96,96,96/32,32 (default: the recipe's)")
    ap.add_argument("--device", default="cpu", help="torch device for training, e.g. cuda")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--checkpoint-dir", default=None, help="default: checkpoints/<name>/ in the repository")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--smoke", action="store_true", help="a few steps, tiny tables and a coarse validation (seconds)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.smoke:
        args.steps, args.lbfgs_rounds, args.lbfgs_iterations, args.lbfgs_batch, args.table_u = \
            smoke_steps, min(args.lbfgs_rounds, 1), 5, 2048, 5
    ckpt_dir = Path(args.checkpoint_dir) if args.checkpoint_dir else Path(args.out) / ".checkpoints"
    if default_out is not None and Path(args.out).resolve() == Path(default_out).resolve() and not args.checkpoint_dir:
        ckpt_dir = Path(default_out).parents[1] / "checkpoints" / name   # a source checkout: <repo>/checkpoints
    if args.smoke and args.checkpoint_dir is None:
        ckpt_dir = Path(args.out) / ".checkpoints"
    widths = {"hidden": _parse_hidden(args.hidden)} if args.hidden else {}
    card = make_card(seed=args.seed, steps=args.steps, batch_size=args.batch_size, **widths)
    torch.manual_seed(args.seed)  # the initial weights are part of the seeded run
    model = InverseCDFModel(card)
    tails = args.objective == "tail-quantile"
    if args.objective in ("quantile", "tail-quantile"):
        from .quantiles import build_table, table_key

        table = build_table(card, model.target, training_lists(card), args.table_u, args.seed, cache_dir=ckpt_dir,
                            tails=tails)
        obj = QuantileObjective(table, key=table_key(card, args.table_u, args.seed, tails), tails=tails)
    else:
        obj = CDFObjective(model)
    # one checkpoint per distinct run: model, objective and every setting that changes the result
    run_spec = {"card": card.model_dump(mode="json", include={"target", "architecture"}), "objective": obj.name,
                "table": getattr(obj, "key", None), "polish": "objective" if tails else "cdf",
                **{k: v for k, v in vars(args).items()
                   if k not in ("out", "threads", "fresh", "checkpoint_dir", "device", "lbfgs_rounds")}}
    # (the number of L-BFGS rounds only extends the schedule: a longer run passes through the
    # states of a shorter one, so a run can resume from a checkpoint of fewer rounds)
    run_id = (f"{name}-{args.objective}-"
              + hashlib.sha256(json.dumps(run_spec, sort_keys=True).encode()).hexdigest()[:12])
    ckpt = ckpt_dir / f"{run_id}.pt"
    if args.fresh and ckpt.exists():
        ckpt.unlink()
    # L-BFGS always polishes on the CDF loss itself: (C(x) - u)^2 is what the KS distance
    # measures, also where the map's square-root ends make the quantile error a poor proxy
    # (tail-quantile polishes on its own objective: the CDF loss is blind to the tails)
    polish = obj if tails else CDFObjective(model)
    model.to(args.device)
    result = fit(model, obj, steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                lbfgs_rounds=args.lbfgs_rounds, lbfgs_iterations=args.lbfgs_iterations,
                lbfgs_batch=args.lbfgs_batch, checkpoint=ckpt, device=args.device, polish=polish)
    model.to("cpu")
    wall, final = round(result.wall_time_s, 1), result.final_loss
    loss = describe_training(obj, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                             lbfgs_rounds=args.lbfgs_rounds, lbfgs_iterations=args.lbfgs_iterations,
                             lbfgs_batch=args.lbfgs_batch,
                             **({"polish": "the same objective"} if tails else {}))
    model.card = card.model_copy(update={"training": card.training.model_copy(
        update={"final_loss": final if math.isfinite(final) and final >= 0 else None, "wall_time_s": wall, "loss": loss,
                "hardware": hardware_description(args.device),
                "hyperparameters": recipe_hyperparameters(args, card)})})
    vkw = dict(n_points=3, u_grid=1024, js_bins=100) if args.smoke else None
    print(f"[{name}] validating against the exact target on held-out points ...", file=sys.stderr, flush=True)
    card = write_model(model, args.out, validation_kwargs=vkw)
    m = card.metrics
    print(f"wrote {args.out}: KS median {m.ks_median:.2e}, max {m.ks_max:.2e}, JS median {m.js_median:.2e}, "
          f"monotone {m.monotone}, training {wall:.0f}s", flush=True)
    return card
