"""``zoo publish``: upload to the local Hub, load back in a fresh cache, sample bit-identically.

Nothing in huggingface_hub is mocked: ``HfApi.create_repo``/``create_commit`` and
``hf_hub_download`` talk HTTP to ``tests/hf_server.py`` on 127.0.0.1 (routed by the
``hub_server`` fixture of ``test_hub.py``, which also gives huggingface_hub a private
HF_HOME and cache and disables implicit tokens).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from huggingface_hub import ModelCard as HubModelCard
from huggingface_hub import hf_hub_download
from huggingface_hub.utils import close_session

import zoo
from zoo.card import CARD_FILENAME, HubSource, ModelCard
from zoo.cli import main as zoo_main
from zoo.hub import HubError
from zoo.publish import PublishError, publish
from zoo.registry import bundled_registry_dir
from zoo.weights import WeightsError

from hf_server import is_commit_sha
from model_factory import build_test_model
from test_hub import content_gets, hf_cache, hub_server, route_hf  # noqa: F401 - fixtures used by name

TOKEN = "hf_radzoo_test_write"
REPO = "radzoo-test/published"
METRIC_KEYS = ("ks_median", "ks_max", "js_median", "js_max", "n_points")


# -- helpers -------------------------------------------------------------------------------
@pytest.fixture
def validated(tmp_path):
    """A small model folder (card + weights) whose card carries metrics written by `zoo validate`."""
    model = build_test_model(tmp_path / "model", name="bessel-pub-test")
    assert zoo_main(["validate", str(model.folder), "--write-card", "--points", "2", "--u-grid", "64",
                     "--js-bins", "20"]) == 0
    card = ModelCard.read(model.folder / CARD_FILENAME)
    assert card.metrics is not None and card.source is None
    return model, card


def fresh_cache(monkeypatch, root: Path) -> Path:
    """Point huggingface_hub at a new, empty HF_HOME and cache (as on another machine)."""
    cache = root / "hub"
    route_hf(monkeypatch, HF_HOME=str(root / "home"), HF_HUB_CACHE=str(cache))
    close_session()
    assert not cache.exists()
    return cache


def draw(sampler, **params) -> torch.Tensor:
    return sampler.sample(4096, generator=torch.Generator().manual_seed(1234), **params)


def assert_samples_identical(original, loaded, **params) -> None:
    assert torch.equal(draw(loaded, **params), draw(original, **params))
    u = torch.linspace(0, 1, 4096, dtype=torch.float64)
    assert torch.equal(loaded.ppf(u, **params), original.ppf(u, **params))


def cached_copies(cache: Path, data: bytes) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file() and not p.is_symlink() and p.read_bytes() == data]


def front_matter(readme: str) -> dict:
    match = re.match(r"^---\n(.*?)\n---\n", readme, re.S)
    assert match, "README.md must start with YAML front matter"
    return yaml.safe_load(match.group(1))


def without_source(card: ModelCard) -> ModelCard:
    return card.model_copy(update={"source": None})


# -- the round trip -----------------------------------------------------------------------------
def test_published_model_loads_back_bit_identical_in_a_fresh_cache(validated, hub_server, tmp_path, monkeypatch):
    model, card = validated
    original = zoo.load(model.folder)
    out = tmp_path / "card-only"

    result = publish(model.folder, REPO, token=TOKEN, out_dir=out)

    # one commit holding weights, card and README, now the head of main
    assert is_commit_sha(result.commit) and hub_server.resolve(REPO, "main") == result.commit
    assert hub_server.count("POST", path_contains=f"/api/models/{REPO}/commit/main") == 1
    files = hub_server.files(REPO, result.commit)
    assert set(files) == {".gitattributes", model.weights_file, CARD_FILENAME, "README.md"}
    assert files[model.weights_file] == model.weights
    hub_card = ModelCard.model_validate_json(files[CARD_FILENAME])
    assert hub_card.source == HubSource(repo_id=REPO, revision="main")
    assert without_source(hub_card) == card

    # the pinned card: a card-only folder; only `source` differs from the validated card
    assert sorted(p.name for p in out.iterdir()) == [CARD_FILENAME]
    pinned = ModelCard.read(out / CARD_FILENAME)
    assert pinned == result.card
    assert pinned.source == HubSource(repo_id=REPO, revision=result.commit)
    assert without_source(pinned) == card and pinned.metrics == card.metrics
    assert ModelCard.read(model.folder / CARD_FILENAME) == card, "with --out the model folder is not touched"

    # another machine: an empty cache, the card-only folder
    cache = fresh_cache(monkeypatch, tmp_path / "machine2")
    gets = content_gets(hub_server)
    loaded = zoo.load(out)
    assert content_gets(hub_server) == gets + 1
    assert cached_copies(cache, model.weights), "the weights came from the Hub into the fresh cache"
    assert not (out / model.weights_file).exists()
    assert_samples_identical(original, loaded, theta=1.0)
    assert_samples_identical(original, loaded, theta=torch.linspace(0, torch.pi, 4096, dtype=torch.float64))

    # the README's recipes: download card.json from the Hub and load its folder, at main or pinned
    fresh_cache(monkeypatch, tmp_path / "machine3")
    card_dir = Path(hf_hub_download(REPO, CARD_FILENAME)).parent
    assert_samples_identical(original, zoo.load(card_dir), theta=2.5)
    card_dir = Path(hf_hub_download(REPO, CARD_FILENAME, revision=result.commit)).parent
    assert_samples_identical(original, zoo.load(card_dir, revision=result.commit), theta=0.1)


def test_bundled_model_needs_out_and_republishing_the_same_files_makes_no_new_commit(hub_server, tmp_path,
                                                                                       monkeypatch):
    bundled = bundled_registry_dir() / "bessel-test"
    before = {p.name: p.read_bytes() for p in bundled.iterdir()}
    original = zoo.load("bessel-test")

    with pytest.raises(PublishError, match="bundled.*--out"):
        publish("bessel-test", REPO, token=TOKEN)
    assert hub_server.requests == []

    # a copy of the bundled folder is an ordinary model folder: its card is pinned in place
    copy = tmp_path / "bessel-test"
    shutil.copytree(bundled, copy)
    first = publish(copy, REPO, token=TOKEN)
    assert first.card_path == copy / CARD_FILENAME
    assert ModelCard.read(copy / CARD_FILENAME).source == HubSource(repo_id=REPO, revision=first.commit)
    assert (copy / "bessel-test.safetensors").read_bytes() == before["bessel-test.safetensors"]

    # the bundled model by name, to a card-only folder: the same files, so the same commit
    n_commits = len(hub_server.commit_messages(REPO))
    second = publish("bessel-test", REPO, token=TOKEN, out_dir=tmp_path / "card-only")
    assert second.commit == first.commit and len(hub_server.commit_messages(REPO)) == n_commits
    assert {p.name: p.read_bytes() for p in bundled.iterdir()} == before, "the bundled registry is untouched"
    assert without_source(second.card) == ModelCard.read(bundled / CARD_FILENAME)

    fresh_cache(monkeypatch, tmp_path / "machine2")
    assert_samples_identical(original, zoo.load(tmp_path / "card-only"), theta=0.7)


@pytest.mark.parametrize("which", ["ic-isotropic", "validated"])
def test_readme_front_matter_holds_the_card_metrics(which, validated, hub_server, tmp_path):
    card = ModelCard.read(bundled_registry_dir() / which / CARD_FILENAME) if which != "validated" else validated[1]
    source = which if which != "validated" else validated[0].folder
    result = publish(source, REPO, token=TOKEN, out_dir=tmp_path / "out")
    readme = hub_server.files(REPO, result.commit)["README.md"].decode()

    meta = front_matter(readme)
    assert meta["library_name"] == "radzoo" and meta["license"] == card.license.lower()
    assert {"radzoo", card.target.id} <= set(meta["tags"])
    [entry] = meta["model-index"]
    assert entry["name"] == card.name
    found = {(r["dataset"]["name"], m["type"]): m["value"] for r in entry["results"] for m in r["metrics"]}
    heldout = {k: v for (dataset, k), v in found.items() if dataset.startswith("held-out")}
    m = card.metrics
    assert heldout == {k: getattr(m, k) for k in METRIC_KEYS}  # exact: YAML round-trips floats
    reference = [v for (dataset, k), v in found.items() if k == "js_reference"]
    assert reference == ([m.js_reference.value] if m.js_reference else [])
    if which == "ic-isotropic":
        assert reference and "gamma=1e+05" in readme

    # huggingface_hub reads the same numbers from it
    hub_results = {r.metric_type: r.metric_value for r in HubModelCard(readme).data.eval_results}
    assert {k: hub_results[k] for k in METRIC_KEYS} == {k: getattr(m, k) for k in METRIC_KEYS}
    for text in (card.summary, card.weights.sha256, card.training.recipe, f'hf_hub_download("{REPO}"'):
        assert text in readme
    for p in card.target.parameters:
        assert f"`{p.name}` | {p.unit} |" in readme


def test_cli_round_trip_with_hf_token_from_the_environment(validated, hub_server, tmp_path, monkeypatch, capsys):
    model, _ = validated
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    out = tmp_path / "card-only"
    assert zoo_main(["publish", str(model.folder), "--repo-id", REPO, "--revision", "dev", "--out", str(out)]) == 0
    commit = hub_server.resolve(REPO, "dev")
    assert commit in capsys.readouterr().out
    assert ModelCard.read(out / CARD_FILENAME).source == HubSource(repo_id=REPO, revision=commit)
    assert model.weights_file not in hub_server.files(REPO, "main"), "the branch was created from main"
    assert ModelCard.model_validate_json(hub_server.files(REPO, "dev")[CARD_FILENAME]).source.revision == "dev"

    monkeypatch.delenv("HF_TOKEN")
    fresh_cache(monkeypatch, tmp_path / "machine2")
    args = ["sample", "-n", "2000", "--seed", "5", "--param", "theta=1.3", "--out"]
    assert zoo_main(args[:1] + [str(model.folder)] + args[1:] + [str(tmp_path / "a.npy")]) == 0
    assert zoo_main(args[:1] + [str(out)] + args[1:] + [str(tmp_path / "b.npy")]) == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (2000,) and np.array_equal(a, b)

    capsys.readouterr()
    assert zoo_main(["publish", str(model.folder), "--repo-id", "not-a-repo-id", "--token", TOKEN]) == 2
    assert "error: bad repo id" in capsys.readouterr().err


def test_a_private_repository_needs_the_token_to_load(validated, hub_server, tmp_path):
    model, _ = validated
    publish(model.folder, REPO, token=TOKEN, private=True, out_dir=tmp_path / "out")
    with pytest.raises(HubError, match="not found"):
        zoo.load(tmp_path / "out")


# -- refusals ------------------------------------------------------------------------------------
def test_refuses_a_card_without_metrics(hub_server, tmp_path):
    model = build_test_model(tmp_path / "m")
    with pytest.raises(PublishError, match="no metrics.*zoo validate"):
        publish(model.folder, REPO, token=TOKEN)
    assert hub_server.requests == []


def test_refuses_weights_that_do_not_match_the_card(validated, hub_server):
    model, card = validated
    path = model.folder / model.weights_file
    bad = bytearray(path.read_bytes())
    bad[len(bad) // 2] ^= 0x01
    path.write_bytes(bytes(bad))
    with pytest.raises(WeightsError, match="sha256"):
        publish(model.folder, REPO, token=TOKEN)
    path.unlink()
    with pytest.raises(PublishError, match="missing"):
        publish(model.folder, REPO, token=TOKEN)
    assert hub_server.requests == []
    assert ModelCard.read(model.folder / CARD_FILENAME) == card


@pytest.mark.parametrize("repo_id", ["no-slash", "org/na me", "org/a/b", "-org/x", "org/x..y", ""])
def test_refuses_a_bad_repo_id(validated, hub_server, repo_id):
    with pytest.raises(PublishError, match="bad repo id"):
        publish(validated[0].folder, repo_id, token=TOKEN)
    assert hub_server.requests == []


def test_refuses_a_commit_sha_as_revision_and_another_models_out_dir(validated, hub_server, tmp_path):
    model, _ = validated
    with pytest.raises(PublishError, match="branch"):
        publish(model.folder, REPO, token=TOKEN, revision="a" * 40)
    other = build_test_model(tmp_path / "other", name="other-model")
    with pytest.raises(PublishError, match="other-model"):
        publish(model.folder, REPO, token=TOKEN, out_dir=other.folder)
    assert hub_server.requests == []


@pytest.mark.parametrize("token", [None, "hf_wrong"])
def test_without_a_valid_token_nothing_is_published_and_the_card_is_unchanged(validated, hub_server, token):
    model, card = validated
    hub_server.tokens = {TOKEN}
    with pytest.raises(HubError, match=f"{REPO}.*HF_TOKEN"):
        publish(model.folder, REPO, token=token)
    assert hub_server.resolve(REPO) is None
    assert ModelCard.read(model.folder / CARD_FILENAME) == card


# -- issue 23, 1.3: publish has a deadline; a bad revision is a bad revision; --out before the commit
def test_publish_gives_up_at_the_hub_timeout_against_a_stalling_endpoint(validated, hub_server, monkeypatch):
    import time

    model, card = validated
    monkeypatch.setenv("RADZOO_HUB_TIMEOUT", "1.5")
    hub_server.api_stall = True
    try:
        t0 = time.monotonic()
        with pytest.raises(HubError, match=r"publishing to radzoo-test/published: creating the repository: .*1.5 s"):
            publish(model.folder, REPO, token=TOKEN)
        assert time.monotonic() - t0 < 10
    finally:
        hub_server.api_stall = False
    assert ModelCard.read(model.folder / CARD_FILENAME) == card


@pytest.mark.parametrize("revision", ["bad branch", "a..b", "x~1", "ref:", "", "-x", "a\nb", "br/", "x.lock"])
def test_a_bad_revision_is_reported_as_a_bad_revision(validated, hub_server, revision):
    with pytest.raises(PublishError, match="bad revision"):
        publish(validated[0].folder, REPO, token=TOKEN, revision=revision)
    assert hub_server.requests == []


def test_a_bad_out_is_refused_before_any_request(validated, hub_server, tmp_path):
    f = tmp_path / "a_file"
    f.write_text("x")
    for out in (f, tmp_path / ("d" * 300)):
        with pytest.raises(ValueError, match="--out"):
            publish(validated[0].folder, REPO, token=TOKEN, out_dir=out)
    assert hub_server.requests == []
