"""Training recipes: --smoke runs emit a card that validates and loads; runs are seeded."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import zoo
from zoo.card import ModelCard
from zoo.model import InverseCDFModel
from zoo.training import cdf_loss, train_cdf_loss

REPO = Path(__file__).resolve().parents[1]
RECIPES = ["ic_isotropic", "bessel_test", "gaussian_2d", "klein_nishina", "klein_nishina_polarized", "ic_head_on",
           "ic_isotropic_2d", "quantum_synchrotron", "breit_wheeler", "synchrotron"]


def run_smoke(recipe, out):
    proc = subprocess.run([sys.executable, str(REPO / "training_recipes" / f"{recipe}.py"), "--smoke",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("recipe", RECIPES)
def test_smoke_recipe_emits_a_valid_loadable_model(recipe, tmp_path):
    proc = run_smoke(recipe, tmp_path)
    assert "step" in proc.stderr  # progress line
    card = ModelCard.read(tmp_path / "card.json")
    assert card.metrics is not None and card.training.recipe == f"training_recipes/{recipe}.py"
    hp = card.training.hyperparameters  # the run's settings land on the card as data (issue 9)
    assert hp["smoke"] is True and hp["steps"] == card.training.steps and hp["objective"] in ("cdf", "quantile", "tail-quantile")
    per_k = [",".join(map(str, sub.hidden)) for sub in card.architecture.subnets]
    assert hp["hidden"] == (per_k[0] if len(set(per_k)) == 1 else "/".join(per_k)) and "lr" in hp
    s = zoo.load(tmp_path)
    assert s.card == card


def test_recipes_are_deterministic_for_a_seed(tmp_path):
    run_smoke("bessel_test", tmp_path / "a")
    run_smoke("bessel_test", tmp_path / "b")
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
