"""The structure figures of issue 24, measured on the working tree (no torch needed).

    python benchmarks/structure_metrics.py

* C/CUDA lines inside Python string literals under zoo/: the lines of the string literals (docstrings
  aside; triple-quoted C templates count) that hold C (a CUDA qualifier, RzMap, rz_map_t, a
  ``const double`` declaration, a ``return ...;``, a libm call such as log1p/expm1/fmin, a
  ``#define``; zoo/sourcetext.py's keyword list and a few regexes match too); per file, the code generators
  (zoo/cuda/codegen.py, zoo/export/cgen.py, zoo/export/picsar.py, zoo/processes/qed_rates.py) apart;
* branches on the model kind outside zoo/kinds.py (the pattern tests/test_architecture.py uses);
* ``sys.path.insert`` anywhere in the tree; recipes as Python scripts vs recipe.toml files.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: a string literal holds C/CUDA if it has one of these (prose and f-string placeholders do not)
C_TOKEN = re.compile(r"__device__|__global__|\bRZ_FN\b|RzMap|rz_map_t|\bconst (double|float|int)\b|"
                     r"\breturn [^;\n]*;|#define |\bfmin\(|\bfmax\(|\blog1p\(|\bexpm1\(|\(\{?[uwzv]\}?\)")
KIND = re.compile(r"card\.kind\s*[!=]=|isinstance\([^)]*(ModelCard|SurrogateCard)\)|"
                  r"kind\s*[!=]=\s*[\"'](sampler|surrogate)[\"']|[\"'](sampler|surrogate)[\"']\s*[!=]=")


def _docstring_lines(source: str) -> set[int]:
    """The first lines of the module's, classes' and functions' docstrings."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.add(first.lineno)
    return out


def c_lines_in_strings(path: Path) -> int:
    """Lines of C in the file's string literals, docstrings aside (triple-quoted C templates count)."""
    source = path.read_text(encoding="utf-8")
    docs = _docstring_lines(source)
    n = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            if tok.start[0] in docs:
                continue
            body = tok.string
            if C_TOKEN.search(body):
                n += max(1, body.count("\\n") + body.count("\n"))
    return n


def main() -> int:
    per_file = Counter()
    for p in sorted((ROOT / "zoo").rglob("*.py")):
        k = c_lines_in_strings(p)
        if k:
            per_file[str(p.relative_to(ROOT))] = k
    gen = {"zoo/cuda/codegen.py", "zoo/export/cgen.py", "zoo/export/picsar.py", "zoo/processes/qed_rates.py"}
    rest = {f: k for f, k in per_file.items() if f not in gen}
    print(f"C/CUDA lines in Python strings under zoo/: {sum(per_file.values())} "
          f"({sum(rest.values())} outside the code generators codegen.py, cgen.py, picsar.py, qed_rates.py)")
    for f, k in per_file.most_common():
        print(f"  {k:5d}  {f}")
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "zoo").rglob("*.py")) if p.name != "kinds.py"
            for i, line in enumerate(p.read_text().splitlines(), 1) if KIND.search(line)]
    print(f"kind branches outside zoo/kinds.py: {len(hits)} {hits}")
    tree = [p for p in ROOT.rglob("*.py") if ".ci-venv" not in p.parts and "venv" not in p.parts[-3:]]
    print(f"sys.path.insert: {sum(p.read_text().count('sys.path.insert(') for p in tree if p != Path(__file__))}")
    print(f"recipe.toml files: {len(list((ROOT / 'registry').glob('*/recipe.toml')))}; "
          f"coords.h headers: {len(list((ROOT / 'zoo').rglob('coords.h')))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
