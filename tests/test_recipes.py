"""Training recipes (registry/<name>/recipe.toml, zoo train): every bundled model has one, it
rebuilds its card's settings, --smoke runs emit a card that validates and loads, runs are seeded."""
import subprocess
import sys
import tomllib

import pytest
import torch

import zoo
from zoo.card import ModelCard, read_card
from zoo.samplers.model import InverseCDFModel
from zoo.recipes import RECIPE_FILENAME, find_recipe, read_recipe, recipe_paths, train
from zoo.registry import bundled_names
from zoo.samplers.training import cdf_loss, recipe_card, train_cdf_loss

from tiers import by_tier

SAMPLERS = zoo.list(kind="sampler")


def run_smoke(name, out):
    proc = subprocess.run([sys.executable, "-m", "zoo", "train", name, "--smoke", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_every_bundled_model_has_a_recipe_and_every_recipe_a_model():
    assert sorted(recipe_paths()) == sorted(bundled_names())
    for name, path in recipe_paths().items():
        r = read_recipe(path)
        assert r.name == name and r.kind == read_card(path.parent / "card.json").kind
        assert r.reference == f"registry/{name}/{RECIPE_FILENAME}"


@pytest.mark.parametrize("name", SAMPLERS)
def test_a_recipe_rebuilds_its_cards_settings(name):
    """The recipe is what trained the bundled weights: target, network, version, grid, seed and every
    setting of the run (training.hyperparameters) come back from it."""
    card = zoo.load(name).card
    recipe = find_recipe(name)
    hp = card.training.hyperparameters
    fresh = recipe_card(recipe, seed=hp["seed"], steps=hp["steps"], batch_size=hp["batch_size"])
    for field in ("name", "version", "summary", "target", "architecture", "license", "citation"):
        assert getattr(fresh, field) == getattr(card, field), field
    assert fresh.training.parameter_grid == card.training.parameter_grid
    assert fresh.training.recipe == card.training.recipe == f"registry/{name}/recipe.toml"
    defaults = {"seed": 0, **recipe.fit}
    for key in ("objective", "steps", "batch_size", "lr", "lbfgs_rounds", "lbfgs_iterations", "lbfgs_batch",
                "table_u", "seed"):
        assert hp[key] == defaults[key], key


def test_bad_recipes_get_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no recipe 'nope'"):
        find_recipe("nope")
    bad = tmp_path / RECIPE_FILENAME
    bad.write_text('name = "x"\nkind = "sampler"\nsteps = 3\n')
    with pytest.raises(ValueError, match="unknown keys.*steps"):
        read_recipe(bad)
    bad.write_text('name = "x"\nkind = "teapot"\n')
    with pytest.raises(ValueError, match="kind 'teapot' has no trainer"):
        read_recipe(bad)
    bad.write_text('name = "x"\nkind = "sampler"\n[fit\n')
    with pytest.raises(ValueError, match="not valid TOML"):
        read_recipe(bad)
    text = recipe_paths()["bessel-test"].read_text().replace("\n[fit]\n", "\n[fit]\nsteps_typo = 3\n")
    bad.write_text(text)
    with pytest.raises(ValueError, match=r"\[fit\].*steps_typo"):
        train(str(bad), ["--smoke", "--out", str(tmp_path / "o")])
    assert not (tmp_path / "o").exists()
    bad.write_text(recipe_paths()["bessel-test"].read_text().replace("\n[card]\n", "\n[card]\nseed = 3\n"))
    with pytest.raises(ValueError, match=r"\[card\].*seed"):   # the trainer sets the seed itself
        train(str(bad), ["--smoke", "--out", str(tmp_path / "o")])
    assert not (tmp_path / "o").exists()


def test_a_recipe_file_outside_the_registry_trains_into_its_folder(tmp_path):
    """A user's own recipe: a copy of a bundled one under a new name, run by path."""
    data = tomllib.loads(recipe_paths()["bessel-test"].read_text())
    text = recipe_paths()["bessel-test"].read_text().replace('name = "bessel-test"', 'name = "my-bessel"')
    folder = tmp_path / "my-bessel"
    folder.mkdir()
    (folder / RECIPE_FILENAME).write_text(text)
    card = train(str(folder), ["--smoke"])
    assert card.name == "my-bessel" and card.training.recipe == f"my-bessel/{RECIPE_FILENAME}"
    assert read_card(folder / "card.json") == card and data["card"]["target_id"] == card.target.id
    assert zoo.load(folder).card == card


@pytest.mark.parametrize("name", by_tier(SAMPLERS, fast=("bessel-test", "gaussian-2d")))
def test_smoke_recipe_emits_a_valid_loadable_model(name, tmp_path):
    proc = run_smoke(name, tmp_path)
    assert "step" in proc.stderr  # progress line
    card = ModelCard.read(tmp_path / "card.json")
    assert card.metrics is not None and card.training.recipe == f"registry/{name}/recipe.toml"
    hp = card.training.hyperparameters  # the run's settings land on the card as data (issue 9)
    assert (hp["smoke"] is True and hp["steps"] == card.training.steps
            and hp["objective"] in ("cdf", "quantile", "tail-quantile"))
    per_k = [",".join(map(str, sub.hidden)) for sub in card.architecture.subnets]
    assert hp["hidden"] == (per_k[0] if len(set(per_k)) == 1 else "/".join(per_k)) and "lr" in hp
    s = zoo.load(tmp_path)
    assert s.card == card


@pytest.mark.full
def test_recipes_are_deterministic_for_a_seed(tmp_path):
    run_smoke("bessel-test", tmp_path / "a")
    run_smoke("bessel-test", tmp_path / "b")
    a = ModelCard.read(tmp_path / "a" / "card.json")
    b = ModelCard.read(tmp_path / "b" / "card.json")
    assert a.weights.sha256 == b.weights.sha256


def test_cdf_loss_training_reduces_the_loss():
    card = zoo.load("gaussian-2d").card
    torch.manual_seed(0)
    model = InverseCDFModel(card)
    u = torch.rand(2048, 2, dtype=torch.float64)
    before = cdf_loss(model, u, {}).item()
    train_cdf_loss(model, steps=60, batch_size=1024, lr=1e-2, seed=0, stream=None)
    after = cdf_loss(model, u, {}).item()
    assert after < 0.3 * before
