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

from .card import CARD_FILENAME, AnyCard, HubSource, read_card
from .checks import env_seconds
from .files import make_folder
from .hub import DEFAULT_TIMEOUT_S, TIMEOUT_ENV, HubError, _with_deadline

README_FILENAME = "README.md"


class PublishError(ValueError):
    """A model that cannot be published as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Published:
    card: AnyCard          # the local card, its source pinned to the commit
    commit: str            # the 40-hex commit sha on the Hub
    commit_url: str
    card_path: Path        # where the pinned card was written


def hub_readme(card: AnyCard, repo_id: str) -> str:
    """The README.md (Hub model card) published beside the weights; needs a validated card."""
    from .kinds import kind_of

    return kind_of(card).hub_readme(card, repo_id)


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

    from .kinds import kind_of
    from .registry import resolve
    from .weights import load_checked, sha256_bytes

    _check_repo_id(repo_id, revision)
    card, folder = resolve(name_or_dir)
    if card.metrics is None:
        raise PublishError(f"model {card.name!r} has no metrics: run `zoo validate {name_or_dir}"
                           f"{kind_of(card).validate_flags} "
                           "--write-card` before publishing (only validated models are published)")
    weights_path = folder / card.weights.file
    if not weights_path.is_file():
        raise PublishError(f"model {card.name!r}: {weights_path} is missing; publishing needs the weights file "
                           "in the model's folder")
    tensors = load_checked(weights_path, card.weights, card.architecture)  # WeightsError (ValueError) on mismatch
    # the card is buildable (samplers: agrees with its target), weights load
    kind_of(card).from_tensors(card, folder, tensors)
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
