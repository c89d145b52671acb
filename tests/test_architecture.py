"""Layering (issue 9): an acyclic import graph with no upward imports
of the package root, a CPU path that imports nothing of zoo.cuda, model kinds, glob listing.

The import graph counts module-level and function-level (lazy) imports alike: a cycle hidden
behind a lazy import is still a cycle.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import zoo
from zoo import kinds

PACKAGE = Path(zoo.__file__).resolve().parent


def import_graph() -> dict[str, set[str]]:
    mods = {}
    for f in PACKAGE.rglob("*.py"):
        parts = ("zoo", *f.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        pkg = m if f.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = pkg
                for _ in range(max(node.level - 1, 0)):
                    base = base.rsplit(".", 1)[0]
                base = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            edges[m].update(t for t in targets if t in mods and t != m)
    return edges


def cycles(edges):
    color, stack, found = {}, [], []

    def dfs(u):
        color[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if color.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif not color.get(v):
                dfs(v)
        stack.pop()
        color[u] = 2

    for m in sorted(edges):
        if not color.get(m):
            dfs(m)
    return found


def test_the_import_graph_is_acyclic():
    edges = import_graph()
    assert len(edges) > 40
    assert cycles(edges) == []


def test_the_analysis_finds_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_imports_the_package_root():
    edges = import_graph()
    assert sorted(m for m, ts in edges.items() if "zoo" in ts and m != "zoo") == []


def test_the_cpu_path_imports_nothing_of_zoo_cuda():
    code = ("import sys, zoo, torch\n"
            "s = zoo.load('ic-isotropic')\n"
            "s.sample(100, gamma=1e5, eps0=1e-5, seed=3)\n"
            "s.sample(100, gamma=1e5, eps0=1e-5, generator=torch.Generator().manual_seed(0))\n"
            "s.ppf(torch.tensor([0.5], dtype=torch.float64), gamma=1e5, eps0=1e-5)\n"
            "print(sorted(m for m in sys.modules if m.startswith('zoo.cuda')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_load_dispatches_on_the_cards_kind(monkeypatch):
    assert zoo.load("bessel-test").card.kind == "sampler"
    seen = []

    class Recording(kinds.SamplerKind):
        def from_tensors(self, card, folder, tensors):
            seen.append(card.name)
            return "built"

    monkeypatch.setitem(kinds.KINDS, "sampler", Recording())
    assert zoo.load("bessel-test") == "built" and seen == ["bessel-test"]


def test_a_kind_without_a_class_is_a_clear_error(monkeypatch):
    monkeypatch.delitem(kinds.KINDS, "sampler")
    with pytest.raises(ValueError, match="kind 'sampler', which this radzoo cannot build"):
        zoo.load("bessel-test")


def test_register_kind_refuses_a_second_class_under_one_name():
    class Other(kinds.SamplerKind):
        pass

    with pytest.raises(ValueError, match="already registered"):
        kinds.register_kind(Other())
    with pytest.raises(TypeError, match="ModelKind instance"):
        kinds.register_kind("sampler")
    same = kinds.KINDS["sampler"]
    assert kinds.register_kind(kinds.SamplerKind()).name == "sampler"  # the same class again: fine
    kinds.KINDS["sampler"] = same


def test_no_code_outside_the_kind_classes_branches_on_the_model_kind():
    """Issue 24: what differs between kinds lives in zoo/kinds.py (the kind objects)."""
    import re
    from pathlib import Path

    pattern = re.compile(r"card\.kind\s*[!=]=|isinstance\([^)]*(ModelCard|SurrogateCard)\)|"
                         r"kind\s*[!=]=\s*[\"'](sampler|surrogate)[\"']|[\"'](sampler|surrogate)[\"']\s*[!=]=")
    root = Path(zoo.__file__).parent
    hits = [f"{p.relative_to(root)}:{i}: {line.strip()}" for p in sorted(root.rglob("*.py")) if p.name != "kinds.py"
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    # the one allowed: Surrogate's constructor checks its argument's type (a TypeError, not a dispatch)
    assert [h.split(":")[0] for h in hits] == ["surrogates/model.py"], hits
    assert "isinstance(card, SurrogateCard)" in hits[0], hits


def test_a_card_of_an_unknown_kind_is_refused():
    import json

    from zoo.registry import bundled_registry_dir

    d = json.loads((bundled_registry_dir() / "bessel-test" / "card.json").read_text())
    d["kind"] = "toaster"
    with pytest.raises(ValueError, match="kind"):
        zoo.ModelCard.model_validate_json(json.dumps(d))


def test_list_models_filters_by_glob():
    assert zoo.list_models() == zoo.list() == sorted(zoo.list())
    assert zoo.list_models("ic-*") == ["ic-head-on", "ic-head-on-fast", "ic-isotropic", "ic-isotropic-2d",
                                      "ic-isotropic-fast"] == zoo.list("ic-*")
    assert zoo.list_models("*-2d") == ["gaussian-2d", "ic-isotropic-2d"]
    assert zoo.list_models("nothing*") == []
    with pytest.raises(TypeError, match="pattern"):
        zoo.list_models(3)
