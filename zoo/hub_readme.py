"""The README.md published beside a model's weights on the Hugging Face Hub (its Hub model card,
metrics in the YAML front matter), one function per model kind (``zoo.kinds`` picks it)."""
from __future__ import annotations

from .card import CARD_FILENAME, AnyCard, ModelCard, SurrogateCard

#: licenses the Hub knows by these ids (lower case); anything else is published as "other"
_HUB_LICENSES = {"mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0",
                 "gpl-3.0", "lgpl-3.0", "mpl-2.0", "unlicense"}


def _example_value(p) -> float:
    lo, hi = p.domain
    mid = (lo * hi) ** 0.5 if p.input_transform == "log10" else (lo + hi) / 2
    return float(f"{mid:.3g}")


def _point(params: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in params.items())


def _hub_license(card: AnyCard) -> dict:
    lic = card.license.strip().lower()
    if lic in _HUB_LICENSES:
        return {"license": lic}
    slug = "".join(c if c.isalnum() else "-" for c in lic).strip("-") or "custom"
    return {"license": "other", "license_name": slug}


def _front_matter(card: ModelCard) -> str:
    from huggingface_hub import EvalResult, ModelCardData

    m = card.metrics
    task = dict(task_type="inverse-cdf-sampling", task_name=f"Inverse-CDF sampling of {card.target.id}")
    heldout = dict(dataset_type=card.target.id, dataset_config="held-out",
                   dataset_name="held-out parameter points (exact target)",
                   dataset_args={"n_points": m.n_points, "u_grid": m.u_grid, "js_bins": m.js_bins})
    results = [EvalResult(**task, **heldout, metric_type=kind, metric_value=value, metric_name=name)
               for kind, value, name in (
                   ("ks_median", m.ks_median, "KS distance, median over held-out points"),
                   ("ks_max", m.ks_max, "KS distance, max over held-out points"),
                   ("js_median", m.js_median, "Jensen-Shannon divergence (nats), median"),
                   ("js_max", m.js_max, "Jensen-Shannon divergence (nats), max"),
                   ("n_points", m.n_points, "held-out points"))]
    if m.js_reference is not None:
        results.append(EvalResult(**task, dataset_type=card.target.id, dataset_config="reference-point",
                                  dataset_name=f"reference point ({_point(m.js_reference.params)})",
                                  dataset_args=dict(m.js_reference.params), metric_type="js_reference",
                                  metric_value=m.js_reference.value,
                                  metric_name="Jensen-Shannon divergence (nats) at the reference point"))
    data = ModelCardData(library_name="radzoo", **_hub_license(card),
                         tags=["radzoo", "inverse-cdf", "monte-carlo", "radiative-processes", "safetensors",
                               card.target.id],
                         model_name=card.name, eval_results=results)
    return data.to_yaml().rstrip("\n") + "\n"


def sampler_hub_readme(card: ModelCard, repo_id: str) -> str:
    """The Hub README of a sampler (validated card)."""
    from ._version import __version__
    from .describe import sampler_architecture_string as architecture_string

    m, t, tr = card.metrics, card.target, card.training
    example = ", ".join(f"{p.name}={_example_value(p):g}" for p in t.parameters)
    covered = card.covered_domain()
    params = "\n".join(f"| `{p.name}` | {p.unit} | [{p.domain[0]:g}, {p.domain[1]:g}]"
                       + (f" (covered: [{covered[p.name][0]:g}, {covered[p.name][1]:g}])"
                          if covered[p.name] != tuple(p.domain) else "") + f" | {p.input_transform} |"
                       for p in t.parameters) or "| (none) | | | |"
    variables = ", ".join(f"`{v.name}` [{v.unit}]" for v in t.variables)
    ref = ""
    if m.js_reference is not None:
        ref = (f"\n| Jensen-Shannon divergence at the reference point ({_point(m.js_reference.params)}) | "
               f"{m.js_reference.value:.3e} |")
    return f"""---
{_front_matter(card)}---

# {card.name} (radzoo v{card.version})

{card.summary}

A [radzoo](https://pypi.org/project/radzoo/) neural inverse-CDF sampler: x = NN(u, Z) with
u ~ U(0, 1) and Z the physical parameters. It samples {variables} from the exact
distribution `{t.id}`.

## Parameters (trained domain; covered: where measured limits extend it. Outside, radzoo refuses)

| parameter | unit | domain | input transform |
|---|---|---|---|
{params}

## Architecture

{card.architecture.kind}: {architecture_string(card)}, output transform
{", ".join(f"{s.output_transform.squash}/{s.output_transform.coordinate}" for s in card.architecture.subnets)};
{card.weights.parameter_count} float32 weights in `{card.weights.file}`
(sha256 `{card.weights.sha256}`, checked before use).

## Accuracy (measured by `zoo validate` against the exact target, radzoo {m.zoo_version})

| metric | value |
|---|---|
| KS distance, median / max over {m.n_points} held-out points | {m.ks_median:.3e} / {m.ks_max:.3e} |
| Jensen-Shannon divergence (nats, {m.js_bins} bins), median / max | {m.js_median:.3e} / {m.js_max:.3e} |{ref}
| ppf monotone in u | {m.monotone} |

## Load and sample

```python
from pathlib import Path
from huggingface_hub import hf_hub_download
import zoo

card_dir = Path(hf_hub_download("{repo_id}", "{CARD_FILENAME}")).parent
s = zoo.load(card_dir)          # downloads {card.weights.file} and checks its sha256
x = s.sample(10**6, {example})
```

To pin a commit, pass `revision=SHA` to both `hf_hub_download` and `zoo.load`, or `zoo.load(folder)`
of a folder holding the `{CARD_FILENAME}` that `zoo publish` pinned to a commit of this repository.

## Provenance

Trained by `{tr.recipe}` (seed {tr.seed}, loss {tr.loss}, {tr.steps} steps of batch {tr.batch_size},
final loss {tr.final_loss:.3e}, parameter grid {tr.parameter_grid}) on {tr.hardware} in
{tr.wall_time_s:.0f} s with torch {tr.torch_version}; published with radzoo {__version__}.
License: {card.license}.

Citation: {card.citation}
"""


def _surrogate_front_matter(card: SurrogateCard) -> str:
    from huggingface_hub import EvalResult, ModelCardData

    m, ds = card.metrics, card.training.dataset
    task = dict(task_type="field-surrogate", task_name=f"3-D {card.output.physics.process} field surrogate")
    heldout = dict(dataset_type=card.output.physics.process, dataset_config="held-out",
                   dataset_name=f"held-out fields of the training set (sha256 {ds.sha256[:12]})",
                   dataset_args={"n_test": m.n_test, "mc_samples": m.mc_samples})
    results = []
    for metric, values, text in (("test_mae_relative", m.test_mae_relative, "MAE / std of the truth"),
                                 ("calibration_2sigma", m.calibration_2sigma, "fraction inside MC mean +- 2 std"),
                                 ("constraint_violation", m.constraint_violation, "y-symmetry violation")):
        for comp, value in zip(values.names(), values.values()):
            results.append(EvalResult(**task, **heldout, metric_type=f"{metric}_{comp}", metric_value=value,
                                      metric_name=f"{text}, {comp}"))
    for o in m.ood:
        for comp, value in zip(o.mae_relative.names(), o.mae_relative.values()):
            results.append(EvalResult(**task, dataset_type=card.output.physics.process, dataset_config=o.name,
                                      dataset_name=f"out-of-distribution densities: {o.name}",
                                      dataset_args={"n": o.n}, metric_type=f"ood_mae_relative_{comp}",
                                      metric_value=value, metric_name=f"MAE / std of the truth, {comp}"))
    data = ModelCardData(library_name="radzoo", **_hub_license(card),
                         tags=["radzoo", "field-surrogate", card.output.physics.process, "accelerator-physics",
                               "safetensors", card.architecture.kind],
                         model_name=card.name, eval_results=results)
    return data.to_yaml().rstrip("\n") + "\n"


def surrogate_hub_readme(card: SurrogateCard, repo_id: str) -> str:
    """The Hub README of a field surrogate (validated card)."""
    from ._version import __version__
    from .describe import surrogate_architecture_string
    from .surrogates.physics import describe_physics, physics_of

    m, tr, ds, out = card.metrics, card.training, card.training.dataset, card.output
    physics = physics_of(card)
    metric = getattr(physics, "metric_text", "MAE / std of the truth, held out")
    constraint = getattr(physics, "constraint_text", "y-symmetry violation")

    def shape_of(i):
        return "x".join(map(str, out.shape if i.components is None else (len(i.components), *out.shape)))
    rows = "\n".join(f"| `{i.name}` | {i.unit} | " + (f"[{i.domain[0]:g}, {i.domain[1]:g}]" if i.kind == "scalar"
                                                        else f"array {shape_of(i)}") + " |"
                     for i in card.inputs)
    if card.inputs[0].kind == "scalar":
        example = ", ".join(f"{i.name}={(i.domain[0] + i.domain[1]) / 2:.3g}" for i in card.inputs)
    else:
        example = f"{card.inputs[0].name}=lam   # lam: an array of shape {shape_of(card.inputs[0]).replace('x', ', ')}"
    axes = ", ".join(f"{a.name}: {a.n} points in [{a.extent[0]:g}, {a.extent[1]:g}] {a.unit}" for a in out.axes)

    def cells(v, fmt=".2%"):
        return " | ".join(format(x, fmt) for x in v.values())

    ood = "".join(f"\n| MAE, out-of-distribution: {o.name} ({o.n}) | {cells(o.mae_relative)} |" for o in m.ood)
    names = [c.name for c in out.components]
    return f"""---
{_surrogate_front_matter(card)}---

# {card.name} (radzoo v{card.version})

{card.summary}

A [radzoo](https://pypi.org/project/radzoo/) field surrogate: a network that predicts the 3-D fields
{", ".join(f"`{c.name}` [{c.unit}]" for c in out.components)} on a fixed grid ({axes}), for
{describe_physics(card)}.

## Inputs (outside the trained domain radzoo refuses)

| input | unit | domain |
|---|---|---|
{rows}

## Architecture

{surrogate_architecture_string(card)}; {card.weights.parameter_count} float32 weights in `{card.weights.file}`
(sha256 `{card.weights.sha256}`, checked before use).

## Accuracy (measured by the surrogate validator on {m.n_test} held-out fields, radzoo {m.zoo_version})

| metric | {" | ".join(names)} |
|---|{"---|" * len(names)}
| {metric} | {cells(m.test_mae_relative)} |
| 2-sigma calibration ({m.mc_samples} Monte Carlo dropout passes) | {cells(m.calibration_2sigma, ".3f")} |
| {constraint} | {cells(m.constraint_violation, ".2e")} |{ood}

## Load and predict

```python
from pathlib import Path
from huggingface_hub import hf_hub_download
import zoo

card_dir = Path(hf_hub_download("{repo_id}", "{CARD_FILENAME}")).parent
m = zoo.load(card_dir)          # downloads {card.weights.file} and checks its sha256
w = m.predict({example})
w = m.predict({example}, mc_samples=50, seed=0)   # w["std"]: Monte Carlo dropout
```

## Provenance

Trained by `{tr.recipe}` (seed {tr.seed}, {tr.steps} steps of batch {tr.batch_size}) on {tr.hardware} in
{tr.wall_time_s:.0f} s with torch {tr.torch_version}; published with radzoo {__version__}. Training set:
{ds.n_train} + {ds.n_test} held-out fields, {ds.sampling}, sha256 `{ds.sha256}`, generated by `{ds.command}`.
License: {card.license}.

Citation: {card.citation}
"""
