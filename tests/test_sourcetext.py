"""Card text never becomes code (issue 23, item 1.1).

A card's free text is untrusted (it can come from the Hub). Before the fix a parameter's
``unit`` of ``*/ __attribute__((constructor)) ... /*`` was copied unescaped into the leading
comment of the ``zoo export`` header, and the function ran at the start of every program that
merely included it. Here every text field of both card kinds gets each hostile payload; the card
either refuses it (schema, or the export's identifier check: a ``ValueError`` naming the field)
or the exported C, CUDA and Fortran sources are, outside comments, token for token the sources
of the untouched card: they compile and define no symbol the model did not.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

import zoo
from zoo.card import ModelCard, SurrogateCard
from zoo.export import export, generate_c, generate_fortran
from zoo.sourcetext import comment, identifier, string_literal

CC = shutil.which("gcc") or shutil.which("cc")
FC = shutil.which("gfortran")
REGISTRY = Path(__file__).resolve().parents[1] / "registry"

CONSTRUCTOR = "*/ __attribute__((constructor)) static void rz_pwned(void) { } /*"
PAYLOADS = [CONSTRUCTOR, "\n#include <stdlib.h>\n", '"); system("id', "a\\\nb", "??/", "x\u2028y",
            "! call execute_command_line('id') &", "&\n  x", "\u202e", "\ufeffbom", "\x00nul"]


def _leaves(obj, path=()):
    """Every string leaf of a JSON object, as (path, value)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    elif isinstance(obj, str):
        yield path, obj


def _set(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def _card_json(name):
    obj = json.loads((REGISTRY / name / "card.json").read_text())
    obj["metrics"] = None     # the metrics' digest covers units and names: measured anew after an edit
    return obj


# -- the encoders ----------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS + ["***///", "/*/", "????/", "\\", "caf\u00e9 \u03bcm"])
def test_comment_encoder_output_cannot_leave_a_comment(payload):
    out = comment(payload)
    assert all(0x20 <= ord(c) < 0x7F for c in out), out
    for bad in ("*/", "/*", "??", "\\", "\n"):
        assert bad not in out, (bad, out)


@pytest.mark.parametrize("payload", PAYLOADS + ["??=", "caf\u00e9"])
def test_string_literal_encoder_escapes_everything_unsafe(payload):
    out = string_literal(payload)
    assert all(0x20 <= ord(c) < 0x7F for c in out) and '"' not in out and "?" not in out
    # a backslash only ever starts a 3-digit octal escape
    i = 0
    while (i := out.find("\\", i)) >= 0:
        assert out[i + 1:i + 4].isdigit(), out
        i += 4


@pytest.mark.parametrize("bad", ["int", "double", "class", "__global__", "1x", "a-b", "a b", "x;y", "", "\u00e9"])
def test_identifier_encoder_refuses_non_identifiers_and_keywords(bad):
    with pytest.raises(ValueError, match="parameter name"):
        identifier(bad, "parameter name")
    assert identifier("gamma_e", "parameter name") == "gamma_e"


# -- every text field of both card kinds -----------------------------------------------------------
@pytest.mark.parametrize("name,cls", [("bessel-test", ModelCard), ("ic-isotropic-2d", ModelCard),
                                      ("csr-wake-gaussian", SurrogateCard), ("csr-wake-density", SurrogateCard)])
def test_schema_refuses_line_breaks_and_controls_in_every_text_field(name, cls):
    base = _card_json(name)
    n = 0
    for path, value in _leaves(base):
        for bad in ("\n", "\r", "\u2028", "\u2029", "\u202e", "\x00", "\x1b[2J", "\u200b", "\x85"):
            obj = json.loads(json.dumps(base))
            _set(obj, path, value + bad)
            with pytest.raises(ValidationError):
                cls.model_validate_json(json.dumps(obj))
        obj = json.loads(json.dumps(base))
        _set(obj, path, value + "x" * 5000)                 # every text field has a length
        with pytest.raises(ValidationError):
            cls.model_validate_json(json.dumps(obj))
        n += 1
    assert n >= 12, n   # the walk reached the card's text fields


def _hostile_card(name, payload, state):
    """The card with the payload appended to every text field that accepts it; the paths refused
    (by the schema or by the export) and accepted."""
    base = _card_json(name)
    accepted, refused = [], []
    for path, value in _leaves(base):
        obj = json.loads(json.dumps(base))
        _set(obj, path, value + payload)
        try:
            card = ModelCard.model_validate_json(json.dumps(obj))
            generate_c(card, state, lang="c")
            generate_fortran(card)
        except (ValidationError, ValueError):
            refused.append(path)
            continue
        accepted.append(path)
    obj = json.loads(json.dumps(base))
    for path in accepted:
        _set(obj, path, dict(_leaves(base))[path] + payload)
    return ModelCard.model_validate_json(json.dumps(obj)), accepted, refused


def _strip_c_comments(path: Path) -> str:
    """The source with comments removed and no macro expanded (gcc's own lexer)."""
    out = subprocess.run([CC, "-fpreprocessed", "-dD", "-E", "-P", "-x", "c", str(path)],
                         capture_output=True, text=True, check=True)
    # the card digest hashes the units too: the one string literal that may differ
    return re.sub(r'_card_digest\[\] = "[0-9a-f]{64}"', '_card_digest[] = "..."', out.stdout)


def _symbols(obj: Path) -> set[str]:
    out = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


@pytest.mark.skipif(CC is None, reason="no C compiler (gcc/cc) on this machine")
@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_hostile_card_text_never_becomes_code(payload, tmp_path):
    s = zoo.load("bessel-test")
    state = s.model.net.state_dict()
    card, accepted, refused = _hostile_card("bessel-test", payload, state)
    # the free-text fields that reach the export (units) take the printable payloads ...
    printable = all(c.isprintable() and c not in "\u202e\ufeff" for c in payload)
    assert (("target", "parameters", 0, "unit") in accepted) == printable, (accepted, refused)
    # ... and names that the export uses as identifiers refuse all of them
    assert ("target", "parameters", 0, "name") in refused and ("name",) in refused
    for lang in ("c", "cuda", "fortran"):
        good = export(s, lang, tmp_path / "clean" / lang)
        (tmp_path / "hostile" / lang).mkdir(parents=True)
        files = {"c": {"radzoo_bessel_test.h": generate_c(card, state, lang="c")},
                 "cuda": {"radzoo_bessel_test.cuh": generate_c(card, state, lang="cuda")},
                 "fortran": {"radzoo_bessel_test.h": generate_c(card, state, lang="c"),
                             **generate_fortran(card)}}[lang]
        for fname, text in files.items():
            (tmp_path / "hostile" / lang / fname).write_text(text)
        for g in good:
            h = tmp_path / "hostile" / lang / g.name
            if g.suffix == ".f90":
                # card text lives only on Fortran comment lines
                gl, hl = g.read_text().splitlines(), h.read_text().splitlines()
                assert len(gl) == len(hl)
                for a, b in zip(gl, hl):
                    assert a == b or (a.lstrip().startswith("!") and b.lstrip().startswith("!")), (a, b)
            else:
                # outside comments, the hostile source is the clean one, token for token (the
                # metrics line of the comment differs: the hostile card is unvalidated)
                assert _strip_c_comments(h) == _strip_c_comments(g), lang
    # it compiles, and defines exactly the symbols of the clean model (no constructor, no include)
    for which in ("clean", "hostile"):
        d = tmp_path / which / "c"
        (d / "use.c").write_text('#include "radzoo_bessel_test.h"\nint main(void) { return 0; }\n')
        subprocess.run([CC, "-std=c99", "-O0", "-c", "use.c", "-o", "use.o"], cwd=d, check=True, capture_output=True)
    assert _symbols(tmp_path / "hostile" / "c" / "use.o") == _symbols(tmp_path / "clean" / "c" / "use.o")
    if FC is not None:
        d = tmp_path / "hostile" / "fortran"
        subprocess.run([CC, "-O0", "-c", "radzoo_bessel_test_bind.c"], cwd=d, check=True, capture_output=True)
        subprocess.run([FC, "-c", "radzoo_bessel_test.f90"], cwd=d, check=True, capture_output=True)


def test_the_reported_exploit_is_inert(tmp_path):
    """The report's exact case: a constructor in a parameter's unit."""
    s = zoo.load("bessel-test")
    card, _, _ = _hostile_card("bessel-test", CONSTRUCTOR, s.model.net.state_dict())
    assert CONSTRUCTOR in card.target.parameters[0].unit          # the schema accepts the text ...
    text = generate_c(card, s.model.net.state_dict())
    assert "*/ __attribute__" not in text and "rz_pwned" in text  # ... the export keeps it as comment text
    head = text[:text.index("*/")]
    assert "__attribute__((constructor))" in head                 # inside the first comment


@pytest.mark.parametrize("bad,match", [("u", "taken by the exported functions"), ("double", "keyword"),
                                        ("rz_tmp", "taken by the exported functions")])
def test_export_refuses_parameter_names_it_cannot_use(bad, match):
    s = zoo.load("bessel-test")
    obj = _card_json("bessel-test")
    old = obj["target"]["parameters"][0]["name"]
    obj["target"]["parameters"][0]["name"] = bad
    obj["training"]["parameter_grid"] = {bad: obj["training"]["parameter_grid"][old]}
    card = ModelCard.model_validate_json(json.dumps(obj))
    with pytest.raises(ValueError, match=match):
        generate_c(card, s.model.net.state_dict())
