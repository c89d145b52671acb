"""C99 / CUDA / Fortran source for one model card (see ``zoo.export``).

The generated header has no dependency beyond the C standard library (``math.h``,
``stddef.h``, ``string.h``; none at all for CUDA/NVRTC). Layout:

* a common part (guarded, shared by every exported model in one translation unit): a
  vectorisable float64/float32 tanh (C only; CUDA uses its own), the Philox4x32-10 stream of
  the fused kernel (``radzoo_philox_u``);
* per model: weights and biases as hex-float arrays, one network function per sub-network
  (a block of ``BLOCK`` samples at a time, laid out so that compilers vectorise across
  samples), the support and coordinate functions of the target (the fused kernel's C from the
  process's coords.h, in float64: ``Target.kernel_support``, ``kernel_coordinates``), and the public
  functions

      void   radzoo_<name>_ppf(size_t n, const double *u, const double *params, double *out);
      double radzoo_<name>_ppf1(double u, double p1, ...);          (1-D models)

  u: n x d, params: n x P in card order (may be NULL when P = 0), out: n x d, row-major.
  A row whose u is outside [0, 1] (or NaN) or whose parameters are outside the card's
  covered domain (the trained one, widened by the limits ``zoo validate`` measured beyond it:
  ``ModelCard.covered_domain``) or NaN/inf gets NaN in every output column; nothing else is ever NaN.
"""
from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

from ..card import ModelCard
from ..sourcetext import comment, identifier, string_literal
from ..transform_defs import EARLIER_COLUMNS, INPUT_COLUMNS, SQUASHES, U_TRANSFORMS

#: samples per block in the C batch function (the width compilers vectorise over)
BLOCK = 16
#: vector accumulators of the register-blocked network kernel (output rows x vectors per row):
#: FMA latency x pipes (5 x 2 on current x86) independent chains keep both FMA pipes busy
JB_ACCUMULATORS = 10


def c_identifier(name: str) -> str:
    """The model name as the identifier part of ``radzoo_<ident>`` (refused if it is not one)."""
    ident = str(name).replace("-", "_")
    identifier("radzoo_" + ident, "model name", max_len=None)
    return ident


#: names the generated functions use for their own arguments and locals (a parameter may not take them)
_RESERVED_ARGS = {"u", "x", "n", "m", "p", "params", "out"}


def parameter_identifiers(card: ModelCard) -> list[str]:
    """The card's parameter names as C/Fortran argument names of ``ppf1``, or ``ValueError``:
    identifiers, not keywords, not the functions' own argument names, distinct ignoring case
    (Fortran does not tell ``Gamma`` from ``gamma``)."""
    names = [identifier(p.name, "parameter name") for p in card.target.parameters]
    seen: dict[str, str] = {}
    for n in names:
        low = n.lower()
        if low in _RESERVED_ARGS or low.startswith(("rz_", "radzoo_")):
            raise ValueError(f"parameter name {n!r} is taken by the exported functions "
                             f"({sorted(_RESERVED_ARGS)} and the rz_/radzoo_ prefixes); rename it in the card")
        if low in seen:
            raise ValueError(f"parameter names {seen[low]!r} and {n!r} differ only in case (one Fortran name)")
        seen[low] = n
    return names


def _hex(x: float) -> str:
    return float(x).hex()


def _lit(x: float, ctype: str) -> str:
    """An exact C literal of a float32 value, as double or float."""
    return _hex(x) + ("f" if ctype == "float" else "")


def _array(name: str, values, ctype: str, qual: str = "RZ_DATA") -> str:
    vals = [_lit(float(v), ctype) for v in values]
    rows = [", ".join(vals[i:i + 6]) for i in range(0, len(vals), 6)]
    body = ",\n    ".join(rows)
    return f"{qual} {ctype} {name}[{len(vals)}] = {{\n    {body}\n}};\n"


# -- the common part ---------------------------------------------------------------------------
#: the export's fixed C, real files (zoo/export/c/): the common part of every exported header (C and
#: CUDA), the fused kernel's Philox stream, and the environment of the transforms and maps
C_DIR = Path(__file__).with_name("c")
_INCLUDE_PHILOX = '#include "radzoo_philox.h"  /* inlined by zoo export */\n'


def _c_file(name: str) -> str:
    text = (C_DIR / name).read_text(encoding="utf-8")
    return text.replace(_INCLUDE_PHILOX, (C_DIR / "radzoo_philox.h").read_text(encoding="utf-8") + "\n")


def _common_c() -> str:
    """The common part of a C export: includes, RZ_FN, vector types, rz_tanh / rz_tanhf, Philox."""
    return _c_file("radzoo_common.h")


def _common_cuda() -> str:
    """The common part of a CUDA export."""
    return _c_file("radzoo_common.cuh")


# -- the model part ------------------------------------------------------------------------------
def _act(activation: str, x: str, ctype: str) -> str:
    f = "f" if ctype == "float" else ""
    one, half = ("1.0f", "0.5f") if f else ("1.0", "0.5")
    if activation == "tanh":
        return f"rz_tanh{f}({x})"
    if activation == "relu":
        return f"fmax{f}({x}, 0)"
    if activation == "silu":
        return f"({x}) / ({one} + exp{f}(-({x})))"
    if activation == "gelu":
        return f"{half} * ({x}) * ({one} + erf{f}(({x}) * {_lit(1 / math.sqrt(2), ctype)}))"
    raise ValueError(f"activation {activation!r} has no C form")


def _net_weights(prefix: str, k: int, sub, state, ctype: str) -> str:
    widths = [sub.n_inputs, *sub.hidden, 1]
    lines = []
    for i in range(len(widths) - 1):
        # W^T, input-major: w{i}[i * n_out + j] (the one-draw path's vectors run along the outputs j)
        w = state[f"subnets.{k}.layers.{i}.weight"].numpy().T.reshape(-1)
        b = state[f"subnets.{k}.layers.{i}.bias"].numpy()
        lines.append(_array(f"{prefix}_s{k}_w{i}", w, ctype))
        lines.append(_array(f"{prefix}_s{k}_b{i}", b, ctype))
    return "".join(lines)


def _net_plain(prefix: str, k: int, sub, ctype: str, block: int) -> list[str]:
    """Portable loops: z[s] = H_k(in[:, s]) for s < block (hidden layers in ctype, z as double)."""
    widths = [sub.n_inputs, *sub.hidden, 1]
    wmax = max(sub.hidden)
    body = [f"    {ctype} ha[{wmax}][{block}], hb[{wmax}][{block}], acc[{block}];",
            "    int i, j, s;", "    (void)ha; (void)hb;"]
    src, n_layers = "in", len(widths) - 1
    for i in range(n_layers):
        body += [f"    for (j = 0; j < {widths[i + 1]}; ++j) {{",
                 f"        for (s = 0; s < {block}; ++s) acc[s] = {prefix}_s{k}_b{i}[j];",
                 f"        for (i = 0; i < {widths[i]}; ++i) {{",
                 f"            const {ctype} wji = {prefix}_s{k}_w{i}[i * {widths[i + 1]} + j];",
                 f"            for (s = 0; s < {block}; ++s) acc[s] += wji * {src}[i][s];",
                 "        }"]
        if i == n_layers - 1:
            body += [f"        for (s = 0; s < {block}; ++s) z[s] = (double)acc[s];", "    }"]
        else:
            dst = ("ha", "hb")[i % 2]
            body += [f"        for (s = 0; s < {block}; ++s) {dst}[j][s] = {_act(sub.activation, 'acc[s]', ctype)};",
                     "    }"]
            src = dst
    return body


def _net_vector(prefix: str, k: int, sub, ctype: str, block: int) -> list[str]:
    """GCC/Clang vector extensions (32-byte vectors across samples): a register-blocked
    micro-kernel, jb output rows x nv vectors of accumulators that stay in registers over
    the reduction. Same products and summation order as the portable loops."""
    lanes = 4 if ctype == "double" else 8
    nv = block // lanes
    jb = max(1, JB_ACCUMULATORS // nv)
    V = "rz_v4d" if ctype == "double" else "rz_v8f"
    widths = [sub.n_inputs, *sub.hidden, 1]
    wmax = max(sub.hidden)
    body = [f"    {ctype} ha[{wmax}][{block}] RZ_ALIGN, hb[{wmax}][{block}] RZ_ALIGN, t[{jb}][{block}] RZ_ALIGN;",
            f"    const {V} zero = {{0}};",
            "    int i, j, s;", "    (void)ha; (void)hb;"]
    src, n_layers = "in", len(widths) - 1
    for i in range(n_layers):
        n_in, n_out = widths[i], widths[i + 1]
        last = i == n_layers - 1
        dst = None if last else ("ha", "hb")[i % 2]
        full = (n_out // jb) * jb
        groups = [(jb, 0, full)] if full else []
        if n_out - full:
            groups.append((n_out - full, full, n_out))  # the remaining rows as one smaller group
        for J, j0, j1 in groups:
            if j1 <= j0:
                continue
            acc = [[f"c{r}_{q}" for q in range(nv)] for r in range(J)]
            body += [f"    for (j = {j0}; j < {j1}; j += {J}) {{"]
            body += [f"        {V} " + ", ".join(f"{acc[r][q]} = zero + {prefix}_s{k}_b{i}[j + {r}]"
                                            for r in range(J) for q in range(nv)) + ";",
                     f"        for (i = 0; i < {n_in}; ++i) {{"]
            body += [f"            const {V} h{q} = *(const {V} *)&{src}[i][{lanes * q}];" for q in range(nv)]
            body += [f"            const {ctype} w{r} = {prefix}_s{k}_w{i}[i * {n_out} + j + {r}];" for r in range(J)]
            body += ["            " + " ".join(f"{acc[r][q]} += w{r} * h{q};" for r in range(J) for q in range(nv)),
                     "        }"]
            body += ["        " + " ".join(f"*({V} *)&t[{r}][{lanes * q}] = {acc[r][q]};"
                                         for r in range(J) for q in range(nv))]
            if last:
                body += [f"        for (s = 0; s < {block}; ++s) z[s] = (double)t[0][s];"]
            else:
                for r in range(J):
                    body += [f"        for (s = 0; s < {block}; ++s) {dst}[j + {r}][s] = "
                             f"{_act(sub.activation, f't[{r}][s]', ctype)};"]
            body += ["    }"]
        if not last:
            src = dst
    return body


#: vector accumulators of the one-draw network (outputs per pass: 12 x 8 float32, 12 x 4 float64)
SINGLE_ACCUMULATORS = 12


def _net_single(prefix: str, k: int, sub, ctype: str) -> list[str]:
    """One draw (ppf1, a particle loop): vectors along each layer's outputs, h_out[j..j+lanes) +=
    W^T[i][j..j+lanes) h_in[i] over i, up to SINGLE_ACCUMULATORS vectors held in registers per pass
    (unaligned loads of the W^T rows); the same products as the batch path, summed in the same order
    where a layer has many output vectors, as even and odd inputs apart otherwise. The last layer (one
    output) sums lanes-wide partial dot products, then the lanes."""
    lanes = 4 if ctype == "double" else 8
    V = "rz_v4du" if ctype == "double" else "rz_v8fu"
    widths = [sub.n_inputs, *sub.hidden, 1]
    wmax = max(sub.hidden)
    pad = -(-wmax // lanes) * lanes
    body = [f"    {ctype} ha[{pad}] RZ_ALIGN, hb[{pad}] RZ_ALIGN;", "    int i, j;", "    (void)ha; (void)hb;"]
    src, n_layers = "in", len(widths) - 1
    for li in range(n_layers):
        n_in, n_out = widths[li], widths[li + 1]
        w, b = f"{prefix}_s{k}_w{li}", f"{prefix}_s{k}_b{li}"
        x = "in[i][0]" if src == "in" else f"{src}[i]"
        if li == n_layers - 1:   # the output: lanes-wide partial sums of the dot product
            full = (n_in // lanes) * lanes
            body += ["    {", f"        {V} acc = {{0}};",
                     f"        for (i = 0; i < {full}; i += {lanes})",
                     f"            acc += *(const {V} *)&{w}[i] * *(const {V} *)&{src}[i];",
                     f"        {ctype} t = {b}[0];",
                     f"        for (j = 0; j < {lanes}; ++j) t += acc[j];",
                     f"        for (i = {full}; i < {n_in}; ++i) t += {w}[i] * {src}[i];",
                     "        z[0] = (double)t;", "    }"]
            break
        dst = ("ha", "hb")[li % 2]
        full = (n_out // lanes) * lanes
        for j0 in range(0, full, SINGLE_ACCUMULATORS * lanes):
            nv = min(SINGLE_ACCUMULATORS, (full - j0) // lanes)
            accs = [f"a{q}" for q in range(nv)]
            # few output vectors: a second set of accumulators takes the odd inputs, which halves the
            # FMA latency chain (the one-draw path is latency-bound below ~8 output vectors)
            split = 2 * nv <= SINGLE_ACCUMULATORS and n_in >= 8
            step = 2 if split else 1
            body += ["    {", f"        {V} " + ", ".join(f"{a} = *(const {V} *)&{b}[{j0 + lanes * q}]"
                                                       for q, a in enumerate(accs)) + ";"]
            if split:
                body += [f"        {V} " + ", ".join(f"o{q} = {{0}}" for q in range(nv)) + ";"]
            body += [f"        for (i = 0; i + {step - 1} < {n_in}; i += {step}) {{",
                     f"            const {ctype} h = {x};",
                     "            " + " ".join(f"{a} += *(const {V} *)&{w}[i * {n_out} + {j0 + lanes * q}] * h;"
                                          for q, a in enumerate(accs))]
            if split:
                xo = "in[i + 1][0]" if src == "in" else f"{src}[i + 1]"
                body += [f"            const {ctype} g = {xo};",
                         "            " + " ".join(
                             f"o{q} += *(const {V} *)&{w}[(i + 1) * {n_out} + {j0 + lanes * q}] * g;"
                             for q in range(nv))]
            body += ["        }"]
            if split and n_in % 2:
                body += [f"        {{ const {ctype} h = {x.replace('[i]', f'[{n_in - 1}]')};",
                         "          " + " ".join(
                             f"{a} += *(const {V} *)&{w}[{(n_in - 1) * n_out + j0 + lanes * q}] * h;"
                             for q, a in enumerate(accs)) + " }"]
            if split:
                body += ["        " + " ".join(f"{a} += o{q};" for q, a in enumerate(accs))]
            body += ["        " + " ".join(f"*({V} *)&{dst}[{j0 + lanes * q}] = {a};" for q, a in enumerate(accs)),
                     "    }"]
        if full < n_out:
            body += [f"    for (j = {full}; j < {n_out}; ++j) {{",
                     f"        {ctype} t = {b}[j];",
                     f"        for (i = 0; i < {n_in}; ++i) t += {w}[i * {n_out} + j] * {x};",
                     f"        {dst}[j] = t;", "    }"]
        body += [f"    for (j = 0; j < {n_out}; ++j) {dst}[j] = {_act(sub.activation, f'{dst}[j]', ctype)};"]
        src = dst
    return body


def _net_function(prefix: str, k: int, sub, ctype: str, block: int, lang: str = "c") -> str:
    """z[s] = H_k(in[:, s]) for s < block: hidden layers in `ctype`, z as double."""
    head = f"RZ_API void {prefix}_net{k}_{block}(const {ctype} in[{sub.n_inputs}][{block}], double z[{block}]) {{"
    lanes = 4 if ctype == "double" else 8
    if block == 1 and lang == "c":
        return "\n".join([head, "#if RZ_VECTOR", *_net_single(prefix, k, sub, ctype), "#else",
                          *_net_plain(prefix, k, sub, ctype, block), "#endif", "}", ""]) + "\n"
    if block % lanes:
        return "\n".join([head, *_net_plain(prefix, k, sub, ctype, block), "}", ""]) + "\n"
    return "\n".join([head, "#if RZ_VECTOR", *_net_vector(prefix, k, sub, ctype, block), "#else",
                      *_net_plain(prefix, k, sub, ctype, block), "#endif", "}", ""]) + "\n"


def _param_columns(card: ModelCard, ctype: str) -> list[str]:
    """C expressions (on double p[j]) of every parameter input column, cast to the net type."""
    cols = []
    for j, spec in enumerate(card.target.parameters):
        for kind in (spec.input_transform, *spec.extra_inputs):
            col = INPUT_COLUMNS[kind]
            lo, hi = col.py(spec.domain[0]), col.py(spec.domain[1])
            expr = f"{col.fn}(nq[s][{j}])"
            cols.append(f"({ctype})(2.0 * ({expr} - {_hex(lo)}) / ({_hex(hi)} - {_hex(lo)}) - 1.0)")
    return cols


def _covered_text(card: ModelCard) -> str:
    """e.g. 'k in [1e-08, 1e+06]' (the trained domain, widened by the sides measured covered)."""
    return ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, (lo, hi) in card.covered_domain().items()) or "(none)"


def _block_function(prefix: str, card: ModelCard, target, ctype: str, block: int) -> str:
    D, P = len(card.target.variables), len(card.target.parameters)
    P1 = max(P, 1)
    pcols = _param_columns(card, ctype)
    L = [f"RZ_API void {prefix}_block_{block}(int m, const double *u, const double *params, double *out) {{",
         f"    double ur[{block}][{D}], pr[{block}][{P1}], nq[{block}][{P1}], w[{D}][{block}], x[{D}][{block}], "
         f"z[{block}], v[{block}];",
         f"    int ok[{block}];",
         "    int s, k;",
         "    (void)w;",
         f"    for (s = 0; s < {block}; ++s) {{",
         "        const int r = s < m ? s : m - 1;",
         "        int good = 1;",
         f"        for (k = 0; k < {D}; ++k) {{",
         f"            ur[s][k] = u[r * {D} + k];",
         "            good = good & (ur[s][k] >= 0.0) & (ur[s][k] <= 1.0);  /* &: no branch (vectorised) */",
         "        }"]
    covered = card.covered_domain()
    for j, spec in enumerate(card.target.parameters):
        lo, hi = covered[spec.name]
        L += [f"        pr[s][{j}] = params[r * {P} + {j}];",
              f"        good = good & (pr[s][{j}] >= {_hex(lo)}) & (pr[s][{j}] <= {_hex(hi)});"]
    L += ["        ok[s] = good;",
          "        /* a bad row evaluates a harmless point (selects, no branch); its output becomes NaN */",
          f"        for (k = 0; k < {D}; ++k) ur[s][k] = good ? ur[s][k] : 0.5;"]
    for j, spec in enumerate(card.target.parameters):
        L.append(f"        pr[s][{j}] = good ? pr[s][{j}] : {_hex(spec.domain[0])};")
    from ..targets.base import network_parameters_c   # (lazy: the light CLI commands never import torch)

    L += ["        " + line for line in network_parameters_c(card.target.parameters, target.extensions,
                                                         "pr[s]", "nq[s]", _hex)]
    L.append("    }")
    if P == 0:
        L.append("    (void)params; (void)pr; (void)nq;")
    for k, sub in enumerate(card.architecture.subnets):
        n_in = sub.n_inputs
        L += [f"    {{  /* sub-network {k} */",
              f"        {ctype} in[{n_in}][{block}] RZ_ALIGN;",
              f"        for (s = 0; s < {block}; ++s) {{",
              f"            v[s] = {U_TRANSFORMS[sub.u_transform].fn}(ur[s][{k}]);",
              f"            in[0][s] = ({ctype})v[s];"]
        col = 1
        for j in range(k):
            two, one = ("2.0f", "1.0f") if ctype == "float" else ("2.0", "1.0")
            L.append(f"            in[{col}][s] = {two} * ({ctype})w[{j}][s] - {one};")
            col += 1
            for extra in sub.earlier_extra_inputs:
                L.append(f"            in[{col}][s] = ({ctype}){EARLIER_COLUMNS[extra].fn}(w[{j}][s]);")
                col += 1
        for expr in pcols:
            L.append(f"            in[{col}][s] = {expr};")
            col += 1
        L += ["        }",
              f"        {prefix}_net{k}_{block}((const {ctype} (*)[{block}])in, z);",
              f"        for (s = 0; s < {block}; ++s) {{",
              f"            double lo, hi, prev[{max(D, 1)}];",
              f"            for (k = 0; k < {k}; ++k) prev[k] = x[k][s];",
              f"            const double zz = z[s]{' + v[s]' if sub.residual else ''};",
              f"            const double wk = {SQUASHES[sub.output_transform.squash].fn}(zz);",
              f"            {prefix}_support({k}, pr[s], prev, &lo, &hi);",
              f"            const double xk = {prefix}_coord_{sub.output_transform.coordinate}"
              "(wk, pr[s], prev, lo, hi);",
              f"            w[{k}][s] = wk;",
              f"            x[{k}][s] = fmin(fmax(xk, lo), hi);",
              "        }",
              "    }"]
    L += ["    for (s = 0; s < m; ++s)",
          f"        for (k = 0; k < {D}; ++k) out[s * {D} + k] = ok[s] ? x[k][s] : RZ_NAN;",
          "}", ""]
    return "\n".join(L)


#: the environment of the supports' and coordinates' C (zoo/processes/<p>/coords.h) in the export:
#: the fused kernel's (kernels/radzoo_coords.cuh) with the map in float64 and the host libm (guarded,
#: shared by every exported model in one translation unit)
_MAP_ENV = (C_DIR / "radzoo_map_env.h").read_text(encoding="utf-8")

#: libm functions the C export routes to the common part's vectorisable rz_vm_* (radzoo_common.h)
VECTOR_MATH = ("log1p", "log10", "log", "expm1", "exp", "pow", "fmax", "fmin")
_VM_CALL = re.compile(r"\b(" + "|".join(VECTOR_MATH) + r")\s*\(")


def route_vector_math(code: str) -> str:
    """The kernel's C with its libm calls of ``VECTOR_MATH`` routed to the export's branch-free
    float64 versions (``log1p(`` -> ``rz_vm_log1p(``; ``rz_log(`` and other names are left as they
    are) and its functions always inlined (``RZ_VFN``), so that compilers vectorise the batch map
    over draws. The text the card's code_sha256
    hashes is the same; only the libm behind it changes (<= 2 ulp, tests/test_export.py)."""
    return _VM_CALL.sub(lambda m: f"rz_vm_{m.group(1)}(", code).replace("RZ_FN ", "RZ_VFN ")


def _guarded(code: str) -> str:
    """C functions (the kernel's text) defined once per translation unit, whichever exported model
    brings them first (guard: the first function's name)."""
    from ..csource import function_names

    names = function_names(code)
    if not names or not names[0].startswith("rz_"):
        raise ValueError("a support's or coordinate's C must define its functions as `RZ_FN <type> rz_<name>(...)` "
                         "in C that is valid in the kernel and the export (see zoo/targets/coords.h)")
    guard = f"RADZOO_HAVE_{names[0].upper()}"
    return f"#ifndef {guard}\n#define {guard}\n{code}\n#endif\n"


def _transform_sources(card: ModelCard) -> list[str]:
    """The C (zoo/transforms.h, the fused kernel's text) of every transform the card uses."""
    from ..transform_defs import used_by

    return [t.source for t in used_by(card)]


def _target_pieces(prefix: str, card: ModelCard, target) -> tuple[list[str], list[str], list[str]]:
    """(the C pieces: transforms, helpers, support, coordinates; the export's wrappers; the
    coordinate names) of a card's map."""
    if target.kernel_support is None:
        raise ValueError(f"target {target.id!r} has no C form (Target.kernel_support); it cannot be exported")
    used = sorted({identifier(s.output_transform.coordinate, "coordinate") for s in card.architecture.subnets})
    missing = [n for n in used if n not in target.kernel_coordinates]
    if missing:
        raise ValueError(f"target {target.id!r} has no C form of coordinate(s) {missing} (Target.kernel_coordinates)")
    sup = target.kernel_support
    codes = ([target.cuda_helpers] if target.cuda_helpers else []) + [sup.cuda] + \
        [target.kernel_coordinates[n].cuda for n in used]
    from ..targets.base import MAX_CONSTANTS, map_constants

    if max(map_constants(c) for c in codes) > MAX_CONSTANTS:
        raise ValueError(f"target {target.id!r}: a coordinate uses more than {MAX_CONSTANTS} map constants (RzMap.c)")
    wrappers = ["\n".join([
        f"RZ_FN void {prefix}_support(int k, const double *p, const double *prev, double *lo, double *hi) {{",
        "    RzMap m;",
        f"    rz_support_{sup.name}(k, p, prev, &m);",
        "    *lo = m.lo;",
        "    *hi = m.hi;",
        "}", ""])]
    for name in used:
        kc = target.kernel_coordinates[name]
        wrappers.append("\n".join([
            f"RZ_FN double {prefix}_coord_{name}(double w, const double *p, const double *prev, "
            "double lo, double hi) {",
            "    RzMap m;",
            "    m.lo = lo; m.hi = hi; m.g = 0.0; m.c[0] = m.c[1] = m.c[2] = m.c[3] = 0.0;",
            f"    rz_prep_{kc.name}(p, prev, &m);",
            f"    return rz_map_{kc.name}((rz_map_t)w, &m);",
            "}", ""]))
    return list(dict.fromkeys(_transform_sources(card) + codes)), wrappers, used


def _target_functions(prefix: str, card: ModelCard, target, lang: str = "c") -> str:
    """The card's transforms, the target's support and the card's coordinates: the fused kernel's C
    (one source: zoo/transforms.h and the ``KernelSupport`` / ``KernelCoordinate`` texts) in
    float64, behind the export's signatures (C: libm routed to the vectorisable rz_vm_*)."""
    pieces, wrappers, _ = _target_pieces(prefix, card, target)
    out = [_MAP_ENV] + [_guarded(c) for c in pieces] + wrappers
    if lang == "c":
        out = [route_vector_math(c) for c in out]
    return "\n".join(out)


#: the map environment's functions (rz_exp, rz_log, ...: one line each), for the scalar copy
_ENV_FUNCTIONS = "\n".join(ln for ln in _MAP_ENV.splitlines() if ln.startswith("RZ_FN"))


def _scalar_names(prefix: str, card: ModelCard, target) -> re.Pattern:
    """The names the one-draw path's copy of the map renames (suffix ``_s``): every function of the
    map's environment, transforms, support and coordinates, and the export's wrappers."""
    from ..csource import function_names

    pieces, _, used = _target_pieces(prefix, card, target)
    names = set(function_names(_ENV_FUNCTIONS)) | {n for c in pieces for n in function_names(c)}
    names |= {f"{prefix}_support"} | {f"{prefix}_coord_{n}" for n in used}
    return re.compile(r"\b(" + "|".join(sorted(names, key=len, reverse=True)) + r")\b")


def _scalar_target_functions(prefix: str, card: ModelCard, target) -> str:
    """The C export's second copy of the map for the one-draw path (``ppf1``, ``block_1``): the same
    text with libm's functions (a scalar call with branches costs less than a branch-free vector
    formula evaluated on one lane: measured 61 vs 92-130 ns for quantum-synchrotron's map) and every
    name suffixed ``_s`` (``_scalar_names``)."""
    pieces, wrappers, _ = _target_pieces(prefix, card, target)
    pat = _scalar_names(prefix, card, target)

    def ren(text: str) -> str:
        return pat.sub(lambda m: m.group(1) + "_s", text)

    env = f"#ifndef RADZOO_MAP_ENV_S_\n#define RADZOO_MAP_ENV_S_\n{ren(_ENV_FUNCTIONS)}\n#endif\n"
    return "\n".join([env] + [_guarded(ren(c)) for c in pieces] + [ren(w) for w in wrappers])


def _rate_functions(prefix: str, card: ModelCard, target) -> str:
    """``<prefix>_rate(params)`` (and ``_rate1(p...)`` for one or two parameters): the target's
    ``KernelRate``, its C from the process's rates.h (each function guarded, shared helpers once)."""
    from ..csource import functions_of

    kr = target.kernel_rate
    if kr is None:
        return ""
    out = [_guarded(code) for code in functions_of(kr.cuda).values()]
    pnames = parameter_identifiers(card)
    P = len(pnames)
    out += [f"/* the rate at the parameters (card order), in units of {comment(kr.unit)}:",
            *(f"   {comment(line)}" for line in textwrap.wrap(kr.definition, 96)),
            "   NaN outside the physical domain. */",
            f"RZ_API double {prefix}_rate(const double *params) {{ return rz_rate_{kr.name}(params); }}", ""]
    if 1 <= P <= 2:
        args = ", ".join(f"double {n}" for n in pnames)
        fill = " ".join(f"rz_p[{j}] = {n};" for j, n in enumerate(pnames))
        out += [f"RZ_API double {prefix}_rate1({args}) {{",
                f"    double rz_p[{P}];",
                f"    {fill}",
                f"    return rz_rate_{kr.name}(rz_p);",
                "}", ""]
    return "\n".join(out)


def generate_c(card: ModelCard, state, *, lang: str = "c", precision: str = "float32") -> str:
    """The header text of a model (``lang`` c or cuda; ``precision`` of the network)."""
    from ..targets import get_target

    target = get_target(card.target.id)
    ident = c_identifier(card.name)
    prefix = f"radzoo_{ident}"
    macro = f"RADZOO_{ident.upper()}"
    ctype = "double" if precision == "float64" else "float"
    D, P = len(card.target.variables), len(card.target.parameters)
    pnames = parameter_identifiers(card)
    # card text in the leading comment: through the comment encoder only (a card is untrusted input)
    params_doc = ", ".join(f"{comment(p.name)} [{comment(p.unit)}] in [{p.domain[0]:g}, {p.domain[1]:g}]"
                           for p in card.target.parameters) or "none"
    vars_doc = ", ".join(f"{comment(v.name)} [{comment(v.unit)}]" for v in card.target.variables)
    name_c, version_c, id_c = comment(card.name), comment(card.version), comment(card.target.id)
    version_s, sha_s = string_literal(card.version), string_literal(card.weights.sha256)
    m = card.metrics
    acc = (f"KS median {m.ks_median:.1e}, max {m.ks_max:.1e} (zoo validate, float64 network)" if m
           else "not validated")
    head = f"""\
/* radzoo export of model {name_c} v{version_c} ({id_c}); generated by
   `zoo export {name_c} --lang {lang} --precision {precision}`. Do not edit: re-export.

   samples    {vars_doc}
   parameters {params_doc} (card order)
   accuracy   {acc}
   network    {precision} arithmetic on the card's float32 weights; physical map in float64
   weights    sha256 {comment(card.weights.sha256)}

   Usage ({'C/C++' if lang == 'c' else 'CUDA'}):
       {prefix}_ppf(n, u, params, out);   u: n x {D}, params: n x {P}, out: n x {D}, row-major doubles
{'       double x = ' + prefix + '_ppf1(u, ' + ', '.join(pnames) + ');' if D == 1 else ''}
   u must lie in [0, 1] (your RNG; radzoo_philox_u gives the Python path's stream) and the
   parameters in the covered domain {comment(_covered_text(card))}: otherwise the row's outputs are NaN.
*/
"""
    parts = [head, _common_c() if lang == "c" else _common_cuda(),
             f"#ifndef {macro}_H_\n#define {macro}_H_\n",
             f'#define {macro}_VERSION "{version_s}"\n#define {macro}_SHA256 "{sha_s}"\n'
             f"#define {macro}_DIM {D}\n#define {macro}_NPARAMS {P}\n"
             f'#define {macro}_NETWORK "{precision}"\n']
    if lang == "c":
        parts.append(f'static const char {prefix}_version[] = "{version_s}";\n'
                     f'static const char {prefix}_sha256[] = "{sha_s}";\n'
                     f'static const char {prefix}_card_digest[] = "{string_literal(card.measured_digest())}";\n\n')
    parts.append(_target_functions(prefix, card, target, lang))
    if lang == "c":   # the one-draw path's copy of the map (libm, names _s)
        parts.append(_scalar_target_functions(prefix, card, target))
    parts.append(_rate_functions(prefix, card, target))
    blocks = (BLOCK, 1) if lang == "c" else (1,)
    for k, sub in enumerate(card.architecture.subnets):
        parts.append(_net_weights(prefix, k, sub, state, ctype))
        for b in blocks:
            parts.append(_net_function(prefix, k, sub, ctype, b, lang))
    for b in blocks:
        block_text = _block_function(prefix, card, target, ctype, b)
        if lang == "c" and b == 1:   # the one-draw path: the scalar copy of the map (libm, names _s)
            pat = _scalar_names(prefix, card, target)
            block_text = pat.sub(lambda m: m.group(1) + "_s", block_text)
        elif lang == "c":   # the batch: the parameter clamps of the domain extensions through rz_vm_fmin/fmax too
            block_text = route_vector_math(block_text)
        parts.append(block_text)
    if lang == "c":
        parts.append(f"""\
/* n samples: u (n x {D}), params (n x {P}, card order), out (n x {D}); NaN rows for bad input */
RZ_API void {prefix}_ppf(size_t n, const double *u, const double *params, double *out) {{
    size_t i = 0;
    for (; i + {BLOCK} <= n; i += {BLOCK})
        {prefix}_block_{BLOCK}({BLOCK}, u + i * {D}, params ? params + i * {P} : params, out + i * {D});
    if (i < n)
        {prefix}_block_{BLOCK}((int)(n - i), u + i * {D}, params ? params + i * {P} : params, out + i * {D});
}}
""")
    else:
        parts.append(f"""\
/* one sample per thread: u ({D}), p ({P}), out ({D}) */
RZ_API void {prefix}_ppf_row(const double *u, const double *p, double *out) {{
    {prefix}_block_1(1, u, p, out);
}}

/* n samples, one per thread (grid-stride loop); NaN rows for bad input */
extern "C" __global__ void {prefix}_ppf(size_t n, const double *u, const double *params, double *out) {{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        {prefix}_block_1(1, u + i * {D}, params ? params + i * {P} : params, out + i * {D});
}}
""")
    if D == 1:
        args = ", ".join(f"double {n}" for n in pnames)
        parts.append(f"""
/* one sample of a 1-D model: x(u; {', '.join(pnames) or 'no parameters'}), NaN for bad input */
RZ_API double {prefix}_ppf1(double u{', ' + args if args else ''}) {{
    double rz_u[1], rz_p[{max(P, 1)}], rz_o[1];
    rz_u[0] = u;
{''.join(f'    rz_p[{j}] = {n};' + chr(10) for j, n in enumerate(pnames))}"""
                     f"""{'    rz_p[0] = 0.0;' + chr(10) if P == 0 else ''}    {prefix}_block_1(1, rz_u, rz_p, rz_o);
    return rz_o[0];
}}
""")
    parts.append(f"#endif /* {macro}_H_ */\n")
    return "".join(parts)


def generate_fortran(card: ModelCard) -> dict[str, str]:
    """The Fortran module (bind(C) interfaces) and the C file that gives the header's inline
    functions external linkage for it. Build: ``gcc -O3 -c radzoo_<name>_bind.c`` and
    ``gfortran radzoo_<name>.f90 your_code.f90 radzoo_<name>_bind.o``."""
    ident = c_identifier(card.name)
    prefix = f"radzoo_{ident}"
    # Fortran 2003 names have at most 63 characters: the longest one written is <prefix>_nparams
    identifier(f"{prefix}_nparams", "model name (in Fortran)", max_len=63)
    D, P = len(card.target.variables), len(card.target.parameters)
    pnames = parameter_identifiers(card)
    bind_c = [f'/* external-linkage wrappers of {prefix}.h for Fortran (module {prefix}) */',
              f'#include "{prefix}.h"', "",
              f"void {prefix}_ppf_c(size_t n, const double *u, const double *params, double *out) "
              f"{{ {prefix}_ppf(n, u, params, out); }}",
              "double radzoo_philox_u_c(unsigned long long m, unsigned long long seed, unsigned long long offset) "
              "{ return radzoo_philox_u(m, seed, offset); }"]
    iface = ["  interface",
             "    ! n samples: u(d, n), params(P, n) (column-major = the C row-major n x d / n x P), out(d, n)",
             f"    subroutine {prefix}_ppf(n, u, params, out) bind(C, name=\"{prefix}_ppf_c\")",
             "      import :: c_size_t, c_double",
             "      integer(c_size_t), value :: n",
             "      real(c_double), intent(in) :: u(*), params(*)",
             "      real(c_double), intent(out) :: out(*)",
             f"    end subroutine {prefix}_ppf",
             "    ! u of word m of the fused kernel's Philox stream (sample i, component k: m = i*d + k)",
             "    function radzoo_philox_u(m, seed, offset) result(u) bind(C, name=\"radzoo_philox_u_c\")",
             "      import :: c_long_long, c_double",
             "      integer(c_long_long), value :: m, seed, offset",
             "      real(c_double) :: u",
             "    end function radzoo_philox_u"]
    if D == 1:
        args = ", ".join(["u", *pnames])
        bind_c.append(f"double {prefix}_ppf1_c({', '.join('double ' + a for a in ['u', *pnames])}) "
                      f"{{ return {prefix}_ppf1({args}); }}")
        iface += ["    ! one sample: NaN for u outside [0, 1] or parameters outside the covered domain",
                  f"    function {prefix}_ppf1({args}) result(x) bind(C, name=\"{prefix}_ppf1_c\")",
                  "      import :: c_double",
                  f"      real(c_double), value :: {args}",
                  "      real(c_double) :: x",
                  f"    end function {prefix}_ppf1"]
    from ..targets import get_target

    kr = get_target(card.target.id).kernel_rate
    if kr is not None:
        bind_c.append(f"double {prefix}_rate_c(const double *params) {{ return {prefix}_rate(params); }}")
        iface += [f"    ! the rate at the parameters params(P), in units of {comment(kr.unit)} (docs/rates.md)",
                  f"    function {prefix}_rate(params) result(r) bind(C, name=\"{prefix}_rate_c\")",
                  "      import :: c_double",
                  "      real(c_double), intent(in) :: params(*)",
                  "      real(c_double) :: r",
                  f"    end function {prefix}_rate"]
        if 1 <= P <= 2:
            pargs = ", ".join(pnames)
            bind_c.append(f"double {prefix}_rate1_c({', '.join('double ' + a for a in pnames)}) "
                          f"{{ return {prefix}_rate1({pargs}); }}")
            iface += [f"    function {prefix}_rate1({pargs}) result(r) bind(C, name=\"{prefix}_rate1_c\")",
                      "      import :: c_double",
                      f"      real(c_double), value :: {pargs}",
                      "      real(c_double) :: r",
                      f"    end function {prefix}_rate1"]
    iface.append("  end interface")
    f90 = "\n".join([f"! radzoo export of model {comment(card.name)} v{comment(card.version)}: Fortran interfaces "
                     f"to {prefix}.h",
                     f"! (weights sha256 {comment(card.weights.sha256[:16])}...). Generated by "
                     "`zoo export --lang fortran`.",
                     f"module {prefix}",
                     "  use, intrinsic :: iso_c_binding",
                     "  implicit none",
                     f"  integer, parameter :: {prefix}_dim = {D}, {prefix}_nparams = {P}",
                     *iface,
                     f"end module {prefix}", ""])
    return {f"{prefix}_bind.c": "\n".join(bind_c) + "\n", f"{prefix}.f90": f90}
