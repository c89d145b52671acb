"""Publishing a model to the Hugging Face Hub: ``zoo publish NAME_OR_DIR --repo-id ORG/NAME``.

One commit on the Hub holds the weights (``<name>.safetensors``), ``card.json`` and
a ``README.md`` (the Hub's model card: YAML front matter with the validated metrics,
then what the model samples, its parameters, architecture, how to load it and its
provenance). The card kept locally then points at that commit:
``source = {repo_id, revision: <commit sha>}``, so ``zoo.load`` of a folder holding
only that card fetches exactly the published bytes (sha256-checked) on any machine.

Decisions:

* Only a validated card is published (``metrics`` set by ``zoo validate --write-card``),
  and only weights that match its sha256, names and shapes (``load_checked``) and load
  into the model of its kind (a ``Sampler``, or a ``Surrogate`` for field surrogates, whose
  Hub README reports the surrogate validator's metrics). Metrics are never touched here;
  only ``source`` changes.
* The ``card.json`` uploaded to the Hub names the repository and the *branch* it was
  published to (a file cannot contain the sha of the commit that contains it); the
  local card is pinned to the immutable commit sha the Hub returned.
* Where the updated card goes: ``out_dir`` (``--out DIR``) gets a card-only folder
  (just ``card.json``; ``zoo.load(DIR)`` downloads the weights). Without it, a model
  folder gets its ``card.json`` rewritten in place (atomically; its weights stay and
  are used locally). A bundled registry model is never rewritten implicitly: it needs
  ``--out`` (which may name ``registry/<name>`` itself to move it to the Hub).
* Republishing identical files makes no new commit; the card is pinned to the
  current head of the branch (which holds exactly those files).
* Token: ``token`` (``--token``), else ``HF_TOKEN``, else huggingface_hub's saved
  login. Endpoint: ``HF_ENDPOINT`` (read by huggingface_hub).

Errors: bad input is a ``PublishError`` (ValueError); a refusal or failure of the
Hub is a ``zoo.hub.HubError`` (RuntimeError) naming the repository and the cause.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from .card import CARD_FILENAME, AnyCard, HubSource, ModelCard, SurrogateCard, read_card
from .checks import env_seconds
from .files import make_folder
from .hub import DEFAULT_TIMEOUT_S, TIMEOUT_ENV, HubError, _with_deadline

README_FILENAME = "README.md"
#: licenses the Hub knows by these ids (lower case); anything else is published as "other"
_HUB_LICENSES = {"mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0",
                 "gpl-3.0", "lgpl-3.0", "mpl-2.0", "unlicense"}


class PublishError(ValueError):
    """A model that cannot be published as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Published:
    card: AnyCard          # the local card, its source pinned to the commit
    commit: str            # the 40-hex commit sha on the Hub
    commit_url: str
    card_path: Path        # where the pinned card was written


# -- the Hub README ------------------------------------------------------------------------
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


def hub_readme(card: AnyCard, repo_id: str) -> str:
    """The README.md (Hub model card) published beside the weights; needs a validated card."""
    if isinstance(card, SurrogateCard):
        return surrogate_hub_readme(card, repo_id)
    from ._version import __version__
    from .describe import architecture_string

    m, t, tr = card.metrics, card.target, card.training
    example = ", ".join(f"{p.name}={_example_value(p):g}" for p in t.parameters)
    params = "\n".join(f"| `{p.name}` | {p.unit} | [{p.domain[0]:g}, {p.domain[1]:g}] | {p.input_transform} |"
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

## Parameters (trained domain; outside it radzoo refuses unless `allow_extrapolation=True`)

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
        for comp, value in zip(("Ws", "Wx", "Wy"), values.values()):
            results.append(EvalResult(**task, **heldout, metric_type=f"{metric}_{comp}", metric_value=value,
                                      metric_name=f"{text}, {comp}"))
    for o in m.ood:
        for comp, value in zip(("Ws", "Wx", "Wy"), o.mae_relative.values()):
            results.append(EvalResult(**task, dataset_type=card.output.physics.process, dataset_config=o.name,
                                      dataset_name=f"out-of-distribution densities: {o.name}",
                                      dataset_args={"n": o.n}, metric_type=f"ood_mae_relative_{comp}",
                                      metric_value=value, metric_name=f"MAE / std of the truth, {comp}"))
    data = ModelCardData(library_name="radzoo", **_hub_license(card),
                         tags=["radzoo", "field-surrogate", "csr", "accelerator-physics", "safetensors",
                               card.architecture.kind],
                         model_name=card.name, eval_results=results)
    return data.to_yaml().rstrip("\n") + "\n"


def surrogate_hub_readme(card: SurrogateCard, repo_id: str) -> str:
    """The Hub README of a field surrogate (validated card)."""
    from ._version import __version__
    from .describe import surrogate_architecture_string

    m, tr, ds, out = card.metrics, card.training, card.training.dataset, card.output
    rows = "\n".join(f"| `{i.name}` | {i.unit} | " + (f"[{i.domain[0]:g}, {i.domain[1]:g}]" if i.kind == "scalar"
                                                        else f"array {'x'.join(map(str, out.shape))}") + " |"
                     for i in card.inputs)
    if card.inputs[0].kind == "scalar":
        example = ", ".join(f"{i.name}={(i.domain[0] + i.domain[1]) / 2:.3g}" for i in card.inputs)
    else:
        example = f"{card.inputs[0].name}=lam   # lam: an array of shape {out.shape}"
    axes = ", ".join(f"{a.name}: {a.n} points in [{a.extent[0]:g}, {a.extent[1]:g}] {a.unit}" for a in out.axes)
    triple = lambda v: f"{v.Ws:.2%} | {v.Wx:.2%} | {v.Wy:.2%}"  # noqa: E731
    ood = "".join(f"\n| MAE / std, out-of-distribution: {o.name} ({o.n}) | {triple(o.mae_relative)} |" for o in m.ood)
    ph = out.physics
    return f"""---
{_surrogate_front_matter(card)}---

# {card.name} (radzoo v{card.version})

{card.summary}

A [radzoo](https://pypi.org/project/radzoo/) field surrogate: a network that predicts the 3-D fields
{", ".join(f"`{c.name}` [{c.unit}]" for c in out.components)} on a fixed grid ({axes}), for
{ph.process} with rho = {ph.rho_m:g} m, gamma = {ph.gamma:g} (per bunch electron).

## Inputs (outside the trained domain radzoo refuses)

| input | unit | domain |
|---|---|---|
{rows}

## Architecture

{surrogate_architecture_string(card)}; {card.weights.parameter_count} float32 weights in `{card.weights.file}`
(sha256 `{card.weights.sha256}`, checked before use).

## Accuracy (measured by the surrogate validator on {m.n_test} held-out fields, radzoo {m.zoo_version})

| metric | Ws | Wx | Wy |
|---|---|---|---|
| MAE / std of the truth, held out | {triple(m.test_mae_relative)} |
| 2-sigma calibration ({m.mc_samples} Monte Carlo dropout passes) | {m.calibration_2sigma.Ws:.3f} | {m.calibration_2sigma.Wx:.3f} | {m.calibration_2sigma.Wy:.3f} |
| y-symmetry violation | {m.constraint_violation.Ws:.2e} | {m.constraint_violation.Wx:.2e} | {m.constraint_violation.Wy:.2e} |{ood}

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


# -- publishing ------------------------------------------------------------------------------
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[/.-]|[/.]$|\.lock$|^@$")


def _check_repo_id(repo_id: str, revision: str) -> None:
    """The repository id and the branch, checked before any request (each error names which)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        HubSource(repo_id=repo_id)
        validate_repo_id(repo_id)
    except (ValidationError, HFValidationError):
        raise PublishError(f"bad repo id {repo_id!r}: expected ORG/NAME (letters, digits, '.', '_', '-')") from None
    if not isinstance(revision, str) or not revision or len(revision) > 200 or _BAD_REF.search(revision):
        raise PublishError(f"bad revision {revision!r}: --revision names a branch (letters, digits, '.', '_', '-', "
                           "'/'; no spaces, '..', '~', '^', ':', '?', '*', '[', '\\', '@{'; as git check-ref-format)")
    if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
        raise PublishError(f"--revision {revision!r}: publish onto a branch name (e.g. main), not a commit sha")


def _destination(card: AnyCard, folder: Path, out_dir: Optional[Path], data: bytes) -> Path:
    """Where the pinned card goes (see the module docstring); refuses what would clobber another model."""
    from .registry import bundled_registry_dir

    if out_dir is None:
        if folder.parent == bundled_registry_dir():
            raise PublishError(f"{card.name!r} is a bundled registry model: pass --out DIR for the published "
                               f"card-only folder (--out {folder} pins the bundled card itself)")
        return folder / CARD_FILENAME
    out_dir = make_folder(Path(out_dir).expanduser(), what="--out").resolve()  # a bad --out fails before the commit
    existing = out_dir / CARD_FILENAME
    if existing.is_file() and out_dir != folder:
        other = read_card(existing)
        if other.name != card.name:
            raise PublishError(f"{out_dir} already holds the card of model {other.name!r}; choose another --out")
    stale = out_dir / card.weights.file
    if out_dir != folder and stale.is_file() and stale.read_bytes() != data:
        raise PublishError(f"{stale} holds other weights than {card.name!r}; remove it or choose another --out")
    return existing


def _hub_error(err: Exception, repo_id: str, what: str) -> HubError:
    from huggingface_hub import errors as hf_errors

    status = getattr(getattr(err, "response", None), "status_code", None)
    if status in (401, 403):
        why = ("the Hub refused the credentials: pass --token or set HF_TOKEN to a token with write access "
               f"to {repo_id}")
    elif isinstance(err, hf_errors.RepositoryNotFoundError):
        why = f"repository {repo_id} not found (or no write access)"
    elif isinstance(err, hf_errors.RevisionNotFoundError):
        why = "no such branch"
    else:
        why = f"{type(err).__name__}: {err}"
    return HubError(f"publishing to {repo_id}: {what} failed: {why}")


def publish(name_or_dir: str | Path, repo_id: str, *, revision: str = "main", token: Optional[str] = None,
            private: bool = False, out_dir: Optional[str | Path] = None,
            commit_message: Optional[str] = None) -> Published:
    """Upload a validated model (weights, card, README) in one commit and pin its card to it."""
    from huggingface_hub import CommitOperationAdd, HfApi

    from .kinds import build_from_tensors
    from .registry import resolve
    from .weights import load_checked, sha256_bytes

    _check_repo_id(repo_id, revision)
    card, folder = resolve(name_or_dir)
    if card.metrics is None:
        data_flag = " --data FILE" if isinstance(card, SurrogateCard) else ""
        raise PublishError(f"model {card.name!r} has no metrics: run `zoo validate {name_or_dir}{data_flag} "
                           "--write-card` before publishing (only validated models are published)")
    weights_path = folder / card.weights.file
    if not weights_path.is_file():
        raise PublishError(f"model {card.name!r}: {weights_path} is missing; publishing needs the weights file "
                           "in the model's folder")
    tensors = load_checked(weights_path, card.weights, card.architecture)  # WeightsError (ValueError) on mismatch
    build_from_tensors(card, folder, tensors)  # the card is buildable (samplers: agrees with its target), weights load
    data = weights_path.read_bytes()
    if sha256_bytes(data) != card.weights.sha256:
        raise PublishError(f"{weights_path} changed while it was being checked; try again")
    destination = _destination(card, folder, Path(out_dir) if out_dir is not None else None, data)

    hub_card = card.model_copy(update={"source": HubSource(repo_id=repo_id, revision=revision)})
    operations = [CommitOperationAdd(card.weights.file, data),
                  CommitOperationAdd(CARD_FILENAME, hub_card.to_json().encode()),
                  CommitOperationAdd(README_FILENAME, hub_readme(card, repo_id).encode())]
    api = HfApi(token=token or os.environ.get("HF_TOKEN") or None)
    deadline = env_seconds(TIMEOUT_ENV, DEFAULT_TIMEOUT_S)    # the same deadline as zoo.load, per step
    step = "creating the repository"
    try:
        _with_deadline(lambda: api.create_repo(repo_id, repo_type="model", private=True if private else None,
                                               exist_ok=True), deadline, f"publishing to {repo_id}: {step}")
        if revision != "main":
            step = f"creating branch {revision!r}"
            _with_deadline(lambda: api.create_branch(repo_id, branch=revision, exist_ok=True), deadline,
                           f"publishing to {repo_id}: {step}")
        step = "the commit"
        info = _with_deadline(
            lambda: api.create_commit(repo_id, operations, revision=revision,
                                      commit_message=commit_message or f"radzoo: publish {card.name} v{card.version}"),
            deadline, f"publishing to {repo_id}: the commit (it may still land: look at the repository before "
                      "publishing again)")
    except HubError:
        raise
    except Exception as err:  # noqa: BLE001 - every transport/HTTP failure of huggingface_hub becomes a HubError
        raise _hub_error(err, repo_id, step) from err

    pinned = card.model_copy(update={"source": HubSource(repo_id=repo_id, revision=info.oid)})
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        pinned.write(destination)
    except OSError as err:
        raise PublishError(f"published {card.name} to {repo_id}@{info.oid}, but writing the pinned card to "
                           f"{destination} failed ({err}); set its source to that repo and commit by hand") from err
    return Published(card=pinned, commit=info.oid, commit_url=info.commit_url, card_path=destination)


# -- command line ------------------------------------------------------------------------------
def cmd_publish(args) -> int:
    result = publish(args.name, args.repo_id, revision=args.revision, token=args.token, private=args.private,
                     out_dir=args.out, commit_message=args.message)
    print(f"published {result.card.name} to {args.repo_id}@{result.commit} ({result.commit_url})")
    print(f"wrote the card pinned to that commit to {result.card_path}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``zoo publish`` to the CLI's subcommands."""
    p = sub.add_parser("publish", help="upload a validated model (weights, card, README) to a Hugging Face repo",
                       description="Upload weights, card.json and a README.md in one commit to the Hugging Face "
                                   "Hub (HF_ENDPOINT), then pin the local card's source to that commit.")
    p.add_argument("name", metavar="NAME_OR_DIR", help="model name or folder holding card.json and the weights")
    p.add_argument("--repo-id", required=True, metavar="ORG/NAME")
    p.add_argument("--revision", default="main", help="branch to commit onto (default main; created if missing)")
    p.add_argument("--out", metavar="DIR", help="write the pinned card here (a card-only folder); required "
                                                "for bundled models, else the model folder's card is updated")
    p.add_argument("--token", help="Hugging Face token with write access (default: HF_TOKEN, then `hf auth login`)")
    p.add_argument("--private", action="store_true", help="create the repository private")
    p.add_argument("--message", help="commit message")
    p.set_defaults(func=cmd_publish)
