"""Model cards: strict validation, consistency rules, schema export, atomic writes."""
import json
import shutil
from pathlib import Path

import pytest

import zoo
from zoo.card import ModelCard, json_schema
from zoo.registry import bundled_registry_dir

REPO = Path(__file__).resolve().parents[1]


def card_dict(name="ic-isotropic"):
    return json.loads((bundled_registry_dir() / name / "card.json").read_text())


@pytest.mark.parametrize("name", ["ic-isotropic", "bessel-test", "gaussian-2d"])
def test_bundled_cards_validate_and_carry_metrics(name):
    card = ModelCard.read(bundled_registry_dir() / name / "card.json")
    assert card.name == name
    assert card.metrics is not None, "bundled cards must carry validator-written metrics"
    assert card.weights.file == f"{name}.safetensors"


def test_unknown_field_rejected(tmp_path):
    d = card_dict()
    d["surprise"] = 1
    (tmp_path / "card.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match="surprise"):
        ModelCard.read(tmp_path / "card.json")


def test_strict_types_and_names_of_bad_fields(tmp_path):
    d = card_dict()
    d["training"]["steps"] = "20000"  # strings are not coerced
    with pytest.raises(ValueError, match="training.steps"):
        ModelCard.model_validate_json(json.dumps(d))
    d = card_dict()
    d["weights"]["sha256"] = "xyz"
    with pytest.raises(ValueError, match="weights.sha256"):
        ModelCard.model_validate_json(json.dumps(d))
    d = card_dict()
    d["target"]["parameters"][0]["domain"] = [10.0, 1.0]
    with pytest.raises(ValueError, match="lo < hi"):
        ModelCard.model_validate_json(json.dumps(d))


def test_architecture_must_match_target():
    d = card_dict()
    d["architecture"]["subnets"][0]["n_inputs"] = 5
    with pytest.raises(ValueError, match="n_inputs"):
        ModelCard.model_validate_json(json.dumps(d))
    d = card_dict("gaussian-2d")
    d["architecture"]["subnets"] = d["architecture"]["subnets"][:1]
    with pytest.raises(ValueError, match="subnets"):
        ModelCard.model_validate_json(json.dumps(d))


def test_malformed_card_file_is_refused_by_load(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(bundled_registry_dir() / "bessel-test", folder)
    (folder / "card.json").write_text("{ not json")
    with pytest.raises(ValueError, match="invalid model card"):
        zoo.load(folder)


def test_write_is_atomic_and_roundtrips(tmp_path):
    card = ModelCard.read(bundled_registry_dir() / "bessel-test" / "card.json")
    card.write(tmp_path / "card.json")
    assert ModelCard.read(tmp_path / "card.json") == card
    assert not list(tmp_path.glob("*.tmp"))


def test_committed_schema_is_current():
    committed = json.loads((REPO / "registry" / "model_card.schema.json").read_text())
    assert committed == json_schema(), "run: zoo schema > registry/model_card.schema.json"


def test_card_must_agree_with_its_target(tmp_path):
    d = card_dict()
    d.pop("metrics")  # an edited card has no valid metrics (test_security: stale metrics are refused)
    d["target"]["parameters"][0]["domain"] = [0.5, 1e10]
    folder = tmp_path / "m"
    shutil.copytree(bundled_registry_dir() / "ic-isotropic", folder)
    (folder / "card.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match="physical domain"):
        zoo.load(folder)
    d = card_dict()
    d.pop("metrics")
    d["architecture"]["subnets"][0]["output_transform"]["coordinate"] = "log_x"
    (folder / "card.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match="coordinate 'log_x'"):
        zoo.load(folder)
