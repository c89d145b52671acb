"""The content hash of the maps on the card (``ModelCard.code_sha256``, issue 24).

A sampler's samples depend on its weights and on the C of its transforms, support and coordinates
(zoo/transforms.h, the process's coords.h: the one source the kernel and the export compile; the
torch and numpy forms are tested against it). The validator writes the hash of that C on the card
and into the metrics digest, and ``zoo.load`` refuses a card whose maps changed since: a changed
formula under the same name (the stale ``azimuth_cubic`` table of issue 24) can no longer pass as
the validated model.
"""
from __future__ import annotations

import dataclasses

import pytest

import zoo
from zoo import csource, transform_defs
from zoo.registry import resolve
from zoo.targets import code_sha256, get_target
from zoo.samplers.validation import measured_card


@pytest.mark.parametrize("name", zoo.list(kind="sampler"))
def test_every_bundled_card_carries_the_hash_of_the_maps_it_was_validated_with(name):
    card = zoo.load(name).card
    assert card.code_sha256 is not None, f"re-validate: zoo validate {name} --write-card"
    assert card.code_sha256 == code_sha256(card)
    assert card.metrics.digest == card.measured_digest()
    # the hash is part of the digest: another hash would make the metrics stale
    assert card.model_copy(update={"code_sha256": "0" * 64}).measured_digest() != card.metrics.digest


def test_digest_ignores_comments_and_spacing_but_not_formulas():
    a = csource.digest("RZ_FN double f(double x) { return x + 1.0; }  // one")
    assert a == csource.digest("// another comment\nRZ_FN double f(double x) {\n    return x + 1.0; /* c */\n}")
    assert a != csource.digest("RZ_FN double f(double x) { return x + 2.0; }")


def _bessel():
    s = zoo.load("bessel-test")
    return s.card, get_target(s.card.target.id), s.card.architecture.subnets[0].output_transform.coordinate


def _changed(kc):
    """The coordinate with one statement added to its C (a changed formula, same name)."""
    assert csource.digest(kc.cuda + "\n// a comment") == csource.digest(kc.cuda)   # comments do not count
    return dataclasses.replace(kc, cuda=kc.cuda.replace("{", "{ (void)0;", 1))


def test_a_changed_coordinate_under_the_same_name_is_refused(monkeypatch):
    card, target, coord = _bessel()
    before = code_sha256(card)
    monkeypatch.setitem(target.kernel_coordinates, coord, _changed(target.kernel_coordinates[coord]))
    assert code_sha256(card) != before
    with pytest.raises(ValueError, match="changed since it was validated.*zoo validate bessel-test --write-card"):
        zoo.load("bessel-test")
    # the validator measures anew and stamps the new hash
    assert measured_card(card).code_sha256 == code_sha256(card) != card.code_sha256


def test_a_changed_transform_is_refused(monkeypatch, tmp_path):
    card, _, _ = _bessel()
    squash = card.architecture.subnets[0].output_transform.squash
    fn = transform_defs.SQUASHES[squash].fn
    text = transform_defs.HEADER.read_text()
    source = csource.header_source(transform_defs.HEADER, fn)
    header = tmp_path / "transforms.h"
    header.write_text(text.replace(source, source.replace("RZ_C(1.0)", "RZ_C(1.5)", 1)))
    monkeypatch.setattr(transform_defs, "HEADER", header)
    assert code_sha256(card) != card.code_sha256
    with pytest.raises(ValueError, match="changed since it was validated"):
        zoo.load("bessel-test")


def test_validate_command_re_measures_a_card_whose_maps_changed(monkeypatch, tmp_path, capsys):
    """`zoo validate` still builds the model (it measures the maps as they are now)."""
    import shutil

    from zoo.cli import main

    card, target, coord = _bessel()
    folder = tmp_path / "bessel-test"
    shutil.copytree(resolve("bessel-test")[1], folder)
    monkeypatch.setitem(target.kernel_coordinates, coord, _changed(target.kernel_coordinates[coord]))
    with pytest.raises(ValueError, match="changed since it was validated"):
        zoo.load(str(folder))
    assert main(["validate", str(folder), "--points", "3", "--u-grid", "256"]) == 0
    assert '"ks_max"' in capsys.readouterr().out
