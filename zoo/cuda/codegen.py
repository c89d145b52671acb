"""Specialise the fused sampler kernel for one model card: CUDA source and packed weights.

The kernel sources live in ``kernels/`` (shipped in the wheel as ``zoo/_kernels``); this
module writes the part that depends on the card (widths, depth, activation, squash,
coordinate, parameter scalings, chained inputs) and packs the weights in the byte layout
the kernel reads. Everything here runs without a GPU.

Precision plan (see docs/cuda.md): first layer fp32 on the CUDA cores (u keeps its 24
bits); hidden -> hidden on the tensor cores (fp32 accumulation, fp32 bias) with split-f16
operands (hi + lo, three MMAs per tile: near fp32, ``precision="accurate"``, the default) or
plain f16 operands (one MMA per tile, ``precision="fast"``); output layer and squash in fp32;
mapping constants prepared in fp64, the map's transcendental part in ``map_precision`` (fp32
by default), its last step and the clamp in fp64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..card import ModelCard
from ..sourcetext import comment
from ..transform_defs import (EARLIER_COLUMNS, INPUT_COLUMNS, SQUASHES as SQUASH_DEFS, TANH_PAPER_ALPHA,
                              TANH_PAPER_BETA, U_TRANSFORMS as U_TRANSFORM_DEFS, c_definitions)

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
KERNEL_FILES = ("radzoo_lib.cuh", "radzoo_coords.cuh", "radzoo_sampler.cu")
KERNEL_NAME = "radzoo_sample"
MAX_WIDTH = 128
MAX_DIM = 8

#: card activation -> kernel constant
ACTIVATIONS = {"tanh": "RZ_ACT_TANH", "relu": "RZ_ACT_RELU", "silu": "RZ_ACT_SILU", "gelu": "RZ_ACT_GELU"}
#: card squash -> device function (its code: zoo/transforms.h)
SQUASHES = {name: sq.fn for name, sq in SQUASH_DEFS.items()}
TANH_MODES = {"exact": 0, "approx": 1, "f16x2": 2, "f16x2_all": 3}
#: tensor-core operand formats: one f16 MMA per tile, or split f16 (hi + lo, three MMAs per tile)
MMA_MODES = ("f16", "3xf16")
#: tanh modes that make sense with split operands (f16x2 would round the activations to f16 again)
SPLIT_TANH = ("exact", "approx")
#: named precision presets -> (mma, tanh); "accurate" is the default (docs/cuda.md, measured deviations)
PRECISIONS = {"accurate": ("3xf16", "exact"), "fast": ("f16", "f16x2")}
DEFAULT_PRECISION = "accurate"
#: card u_transform -> device function of u (its code: zoo/transforms.h)
U_TRANSFORMS = {name: t.fn for name, t in U_TRANSFORM_DEFS.items()}
#: lo parts are stored and multiplied scaled by 2^SPLIT_SHIFT (RZ_SPLIT_SHIFT in radzoo_lib.cuh)
SPLIT_SHIFT = 11
#: the card fields the generated kernel implements, per card class: a new field that changes the
#: sampled map must be added here with its kernel code (tests/test_cuda_codegen.py checks the set)
CARD_FIELDS = {
    "SubnetCard": {"n_inputs", "hidden", "activation", "output_transform", "u_transform", "residual",
                   "earlier_extra_inputs"},
    "OutputTransform": {"squash", "coordinate"},
    "ParameterCard": {"name", "unit", "domain", "input_transform", "extra_inputs"},
}


class UnsupportedModel(ValueError):
    """The card describes something the kernel generator cannot build (the reason is the message)."""


@dataclass(frozen=True)
class KernelOptions:
    """Compile-time choices that are not on the card.

    ``broadcast``: every parameter is one scalar (hoists scaling and mapping prep out of the
    sample loop) or per-sample arrays (any mix of strides 0 and 1). ``out_dtype``: float32
    or float64 samples. ``precision``: a preset of ``mma`` and ``tanh`` (``PRECISIONS``):
    ``accurate`` (default: split-f16 MMAs and tanhf, near fp32) or ``fast`` (f16 MMAs,
    tanh.approx.f16x2); ``mma`` / ``tanh`` given explicitly override the preset.
    ``mma``: ``3xf16`` (activations and weights as f16 hi + lo, A_hi B_hi + A_lo B_hi + A_hi B_lo,
    three MMAs per tile) or ``f16`` (one MMA). ``tanh``: ``exact`` (tanhf), ``approx``
    (tanh.approx.f32) or, with ``mma="f16"`` only, ``f16x2`` (tanh.approx.f16x2 for layers
    feeding an MMA, .f32 for the last hidden layer) or ``f16x2_all`` (.f16x2 everywhere).
    ``map_precision``: fp32 or fp64 for the transcendental part of the w -> sample map (its
    last step and the clamp to the support are always fp64). ``block``: threads per block.
    """

    broadcast: bool = True
    out_dtype: str = "float32"
    tanh: str | None = None
    map_precision: str = "fp32"
    block: int = 128
    precision: str = DEFAULT_PRECISION
    mma: str | None = None

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {self.precision!r}")
        mma, tanh = PRECISIONS[self.precision]
        object.__setattr__(self, "mma", self.mma or mma)
        object.__setattr__(self, "tanh", self.tanh or tanh)
        if self.mma not in MMA_MODES:
            raise ValueError(f"mma must be one of {list(MMA_MODES)}, got {self.mma!r}")
        if self.mma == "3xf16" and self.tanh not in SPLIT_TANH:
            raise ValueError(f"mma='3xf16' needs tanh in {list(SPLIT_TANH)} (f16x2 rounds the activations to f16), "
                             f"got {self.tanh!r}: use precision='fast' or mma='f16' for the f16x2 tanh modes")
        if self.out_dtype not in ("float32", "float64"):
            raise ValueError(f"out_dtype must be float32 or float64, got {self.out_dtype!r}")
        if self.tanh not in TANH_MODES:
            raise ValueError(f"tanh must be one of {sorted(TANH_MODES)}, got {self.tanh!r}")
        if self.map_precision not in ("fp32", "fp64"):
            raise ValueError(f"map_precision must be fp32 or fp64, got {self.map_precision!r}")
        if self.block % 32 or not 32 <= self.block <= 1024:
            raise ValueError(f"block must be a multiple of 32 in [32, 1024], got {self.block}")


def kernels_dir() -> Path:
    """The CUDA sources: inside the installed package, or at the repository root."""
    for candidate in (_PACKAGE_DIR / "_kernels", _PACKAGE_DIR.parent / "kernels"):
        if (candidate / KERNEL_FILES[-1]).is_file():
            return candidate
    raise FileNotFoundError("the CUDA kernel sources are missing from this installation of radzoo")


# ------------------------------------------------------------------------------ layout
@dataclass(frozen=True)
class SubnetLayout:
    """Byte offsets (into the packed weights) of one sub-network's tensors."""

    n_inputs: int
    widths: tuple[int, ...]
    w_in: int
    b_in: int
    mma: tuple[tuple[int, int], ...]   # (B fragments, bias) per hidden -> hidden layer
    w_out: int
    b_out: int
    mma_lo: tuple[int, ...] = ()       # lo B fragments (split-f16 mode) per hidden -> hidden layer


def _align(x: int) -> int:
    return (x + 15) // 16 * 16


def check_supported(card: ModelCard) -> None:
    """Raise UnsupportedModel naming what the kernel cannot do for this card."""
    subs = card.architecture.subnets
    if len(subs) > MAX_DIM:
        raise UnsupportedModel(f"{card.name}: {len(subs)} sampled variables, the kernel supports up to {MAX_DIM}")
    target = _target(card)
    if target.kernel_support is None:
        raise UnsupportedModel(f"{card.name}: target {card.target.id!r} has no kernel support function "
                               "(Target.kernel_support, see zoo/targets/base.py KernelSupport)")
    for k, s in enumerate(subs):
        bad = [w for w in s.hidden if w % 16 or w > MAX_WIDTH]
        if bad:
            raise UnsupportedModel(f"{card.name}: subnet {k} hidden widths {list(s.hidden)}: the kernel needs "
                                   f"multiples of 16 up to {MAX_WIDTH}")
        coord_name(card.target.id, s.output_transform.coordinate)
        if getattr(s, "u_transform", "identity") not in U_TRANSFORMS:
            raise UnsupportedModel(f"{card.name}: subnet {k}: u_transform {s.u_transform!r} has no kernel code "
                                   "(add it to zoo/transform_defs.py U_TRANSFORMS)")
        missing = [e for e in getattr(s, "earlier_extra_inputs", ()) if e not in EARLIER_COLUMNS]
        if missing:
            raise UnsupportedModel(f"{card.name}: subnet {k}: earlier_extra_inputs {missing} have no kernel code "
                                   "(add them to zoo/transform_defs.py EARLIER_COLUMNS)")
        if s.output_transform.squash not in SQUASHES or s.activation not in ACTIVATIONS:
            raise UnsupportedModel(f"{card.name}: subnet {k}: no kernel code for squash "
                                   f"{s.output_transform.squash!r} / activation {s.activation!r}")


def _target(card: ModelCard):
    from ..targets import get_target

    try:
        return get_target(card.target.id)
    except ValueError as err:
        raise UnsupportedModel(f"{card.name}: {err}") from None


def kernel_coordinate(target, coordinate: str):
    """The kernel form of a target's coordinate (Target.kernel_coordinates)."""
    try:
        return target.kernel_coordinates[coordinate]
    except KeyError:
        raise UnsupportedModel(f"coordinate {coordinate!r} of target {target.id!r} has no kernel code "
                               "(add a KernelCoordinate to the target's kernel_coordinates)") from None


def coord_name(target_id: str, coordinate: str) -> str:
    """Suffix of the device functions implementing a coordinate of a target."""
    from ..targets import get_target

    return kernel_coordinate(get_target(target_id), coordinate).name


def layout(card: ModelCard) -> tuple[list[SubnetLayout], int]:
    """Per-subnet offsets and the total size in bytes (a multiple of 16) of the packed weights.

    Every tensor the f16 mode reads comes first (``fast_bytes``); the lo B fragments that only
    the split-f16 mode reads follow, so one packed blob serves both modes and the f16 mode copies
    only its prefix into shared memory."""
    check_supported(card)
    out, pos = [], 0
    for s in card.architecture.subnets:
        ws = tuple(s.hidden)
        w_in = pos
        b_in = _align(w_in + 4 * ws[0] * s.n_inputs)
        pos = _align(b_in + 4 * ws[0])
        mma = []
        for k_w, n_w in zip(ws[:-1], ws[1:]):
            frag = pos
            bias = _align(frag + (k_w // 16) * (n_w // 8) * 32 * 8)
            pos = _align(bias + 4 * n_w)
            mma.append((frag, bias))
        w_out = pos
        b_out = _align(w_out + 4 * ws[-1])
        pos = _align(b_out + 4)
        out.append(SubnetLayout(s.n_inputs, ws, w_in, b_in, tuple(mma), w_out, b_out))
    for i, lay in enumerate(out):
        lo = []
        for k_w, n_w in zip(lay.widths[:-1], lay.widths[1:]):
            lo.append(pos)
            pos = _align(pos + (k_w // 16) * (n_w // 8) * 32 * 8)
        out[i] = SubnetLayout(**{**lay.__dict__, "mma_lo": tuple(lo)})
    return out, pos


def fast_bytes(card: ModelCard) -> int:
    """Size of the prefix of the packed weights that the f16 (one MMA per tile) mode reads."""
    subnets, total = layout(card)
    return min([lo for lay in subnets for lo in lay.mma_lo] + [total])


def split_f16(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x (float32) -> (hi, lo) float16 with x ~ hi + lo * 2^-SPLIT_SHIFT (as rz_split_h2)."""
    x = np.asarray(x, dtype=np.float32)
    hi = x.astype(np.float16)
    lo = ((x - hi.astype(np.float32)) * np.float32(2.0**SPLIT_SHIFT)).astype(np.float16)
    return hi, lo


def b_fragments(weight: np.ndarray, part: str = "hi") -> np.ndarray:
    """Swizzle a torch Linear weight [N, K] into mma.m16n8k16 B fragments (f16).

    Returns uint16 of shape (K/16, N/8, 32 lanes, 4): for lane (g, c) the halves
    W[8nt+g, 16kt+2c], W[.., +1], W[.., +8], W[.., +9] (B[k, n] = W[n, k]).
    ``part``: ``hi`` (f16(W)) or ``lo`` (the scaled remainder of ``split_f16``).
    """
    n_w, k_w = weight.shape
    kt, nt, lane = np.meshgrid(np.arange(k_w // 16), np.arange(n_w // 8), np.arange(32), indexing="ij")
    rows = (8 * nt + lane // 4)[..., None]
    cols = (16 * kt + 2 * (lane % 4))[..., None] + np.array([0, 1, 8, 9])
    w16 = split_f16(weight)[0 if part == "hi" else 1]
    return w16[rows, cols].view(np.uint16)


def pack(card: ModelCard, state_dict) -> bytes:
    """The weights in the kernel's byte layout (fp32 first/last layers, f16 B fragments, then
    the lo B fragments of the split-f16 mode)."""
    subnets, total = layout(card)
    buf = np.zeros(total, dtype=np.uint8)

    def put(offset: int, array: np.ndarray):
        raw = np.ascontiguousarray(array).view(np.uint8).reshape(-1)
        buf[offset:offset + raw.size] = raw

    def tensor(k: int, i: int, what: str) -> np.ndarray:
        t = state_dict[f"subnets.{k}.layers.{i}.{what}"]
        return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)

    for k, lay in enumerate(subnets):
        put(lay.w_in, tensor(k, 0, "weight").astype(np.float32))
        put(lay.b_in, tensor(k, 0, "bias").astype(np.float32))
        for i, (frag, bias) in enumerate(lay.mma, start=1):
            put(frag, b_fragments(tensor(k, i, "weight")))
            put(bias, tensor(k, i, "bias").astype(np.float32))
            put(lay.mma_lo[i - 1], b_fragments(tensor(k, i, "weight"), "lo"))
        last = len(lay.widths)
        put(lay.w_out, tensor(k, last, "weight").astype(np.float32).reshape(-1))
        put(lay.b_out, tensor(k, last, "bias").astype(np.float32))
    return buf.tobytes()


# ------------------------------------------------------------------------------ source
def f32_literal(x: float) -> str:
    """Exact C++17 hex literal of float32(x)."""
    v = float(np.float32(x))
    return f"{v.hex()}f" if math.isfinite(v) else "0.0f"




def input_columns(card: ModelCard) -> list[tuple[int, str, np.float32, np.float32]]:
    """The parameters' network input columns in card order (each parameter's input_transform,
    then its extra_inputs): (parameter index, kind, T(lo), 2 / (T(hi) - T(lo))) in float32."""
    out = []
    for i, p in enumerate(card.target.parameters):
        for kind in (p.input_transform, *getattr(p, "extra_inputs", ())):
            if kind not in INPUT_COLUMNS:
                raise UnsupportedModel(f"{card.name}: parameter {p.name!r} input {kind!r} has no kernel code "
                                       "(add it to zoo/transform_defs.py INPUT_COLUMNS)")
            lo, hi = (INPUT_COLUMNS[kind].py(v) for v in p.domain)
            out.append((i, kind, np.float32(lo), np.float32(2.0 / (hi - lo))))
    return out


def _subnet_source(k: int, lay: SubnetLayout, act: str, mma: str = "f16") -> str:
    ws, nin = lay.widths, lay.n_inputs
    lines = [f"__device__ __forceinline__ void rz_subnet_{k}(const unsigned char* __restrict__ wb, "
             f"const float (&x0)[{nin}], const float (&x1)[{nin}], int lane, float& z0, float& z1) {{",
             "    const int c = lane & 3;",
             f"    float h0[{ws[0] // 8}][4];",
             f"    rz_dense_in<{nin}, {ws[0]}>((const float*)(wb + {lay.w_in}), (const float*)(wb + {lay.b_in}), "
             "x0, x1, c, h0);"]
    for i, ((frag, bias), lo, k_w, n_w) in enumerate(zip(lay.mma, lay.mma_lo, ws[:-1], ws[1:]), start=1):
        if mma == "3xf16":
            lines += [f"    rz_u32 a{i}[{k_w // 16}][4], al{i}[{k_w // 16}][4];",
                      f"    rz_act_to_a_split<{act}, {k_w}>(h{i - 1}, a{i}, al{i});",
                      f"    float h{i}[{n_w // 8}][4];",
                      f"    rz_dense_mma3<{k_w}, {n_w}>((const uint2*)(wb + {frag}), (const uint2*)(wb + {lo}), "
                      f"(const float*)(wb + {bias}), a{i}, al{i}, lane, h{i});"]
            continue
        lines += [f"    rz_u32 a{i}[{k_w // 16}][4];",
                  f"    rz_act_to_a<{act}, {k_w}>(h{i - 1}, a{i});",
                  f"    float h{i}[{n_w // 8}][4];",
                  f"    rz_dense_mma<{k_w}, {n_w}>((const uint2*)(wb + {frag}), (const float*)(wb + {bias}), "
                  f"a{i}, lane, h{i});"]
    last = len(ws) - 1
    lines += [f"    rz_act_inplace<{act}, {ws[-1]}>(h{last});",
              f"    rz_dense_out<{ws[-1]}>((const float*)(wb + {lay.w_out}), *(const float*)(wb + {lay.b_out}), "
              f"h{last}, c, z0, z1);",
              "}"]
    return "\n".join(lines)


def _forward_source(card: ModelCard, dim: int) -> str:
    lines = ["__device__ __forceinline__ void rz_forward(const unsigned char* __restrict__ wb, "
             "const float (&u0)[RZ_DIM], const float (&u1)[RZ_DIM], const float (&zp0)[RZ_NZ1], "
             "const float (&zp1)[RZ_NZ1], int lane, float (&w0)[RZ_DIM], float (&w1)[RZ_DIM]) {"]
    n_cols = len(input_columns(card))
    for k, s in enumerate(card.architecture.subnets):
        u_fn = U_TRANSFORMS[getattr(s, "u_transform", "identity")]
        for r in (0, 1):
            earlier = [col for j in range(k) for col in
                       [f"2.0f * w{r}[{j}] - 1.0f",
                        *(f"{EARLIER_COLUMNS[e].fn}(w{r}[{j}])" for e in getattr(s, "earlier_extra_inputs", ()))]]
            items = [f"{u_fn}(u{r}[{k}])"] + earlier + [f"zp{r}[{i}]" for i in range(n_cols)]
            lines.append(f"    const float x{r}_{k}[{s.n_inputs}] = {{{', '.join(items)}}};")
        sq = SQUASHES[s.output_transform.squash]
        lines += [f"    float z0_{k}, z1_{k};",
                  f"    rz_subnet_{k}(wb, x0_{k}, x1_{k}, lane, z0_{k}, z1_{k});"]
        if getattr(s, "residual", False):   # z = network + the u input (after u_transform), fp32
            lines += [f"    z0_{k} += x0_{k}[0];", f"    z1_{k} += x1_{k}[0];"]
        lines += [
                  f"    w0[{k}] = {sq}(z0_{k});",
                  f"    w1[{k}] = {sq}(z1_{k});"]
    lines.append("}")
    return "\n".join(lines)


def _params_source(card: ModelCard) -> str:
    n_par = len(card.target.parameters)
    decl = "".join(f", const double* __restrict__ rz_p{i}, long long rz_s{i}" for i in range(n_par))
    load = " ".join(f"(p)[{i}] = rz_p{i}[(row) * rz_s{i}];" for i in range(n_par))
    from ..targets.base import network_parameters_c

    seen = network_parameters_c(card.target.parameters, _target(card).extensions, "p", "q",
                                lambda x: float(x).hex())
    scale = "\n".join([*(["    double q[RZ_NP1];"] if n_par else []), *("    " + line for line in seen),
                       *(f"    z[{j}] = ({INPUT_COLUMNS[kind].fn}(q[{i}]) - {f32_literal(lo)}) * "
                         f"{f32_literal(s)} - 1.0f;" for j, (i, kind, lo, s) in enumerate(input_columns(card)))])
    return "\n".join([
        f"#define RZ_PARAM_DECL {decl}",
        f"#define RZ_LOAD_PARAMS(row, p) do {{ {load} }} while (0)",
        "__device__ __forceinline__ void rz_scale_params(const double (&p)[RZ_NP1], float (&z)[RZ_NZ1]) {",
        scale or "    (void)p; (void)z;",
        "}"])


def _target_source(card: ModelCard) -> str:
    """Device code of the target's support, of the coordinates the card uses, and their helpers."""
    target = _target(card)
    coords = []
    for sub in card.architecture.subnets:
        code = kernel_coordinate(target, sub.output_transform.coordinate).cuda
        if code not in coords:
            coords.append(code)
    return "\n".join([f"// ---- target {target.id} (Target.kernel_support / kernel_coordinates) ----",
                      *([target.cuda_helpers] if target.cuda_helpers else []), target.kernel_support.cuda, *coords])


def _mapping_source(card: ModelCard) -> str:
    """rz_prep_all: support and map constants of every component that depends on the parameters
    only (once per thread for broadcast parameters); rz_map_all: w -> samples, evaluating a
    conditional support, or a coordinate that uses the earlier components, per sample after them."""
    target = _target(card)
    sup = target.kernel_support
    prep, mapping = [], []
    for k, s in enumerate(card.architecture.subnets):
        coord = kernel_coordinate(target, s.output_transform.coordinate)
        name = coord.name
        if (sup.conditional or coord.uses_prev) and k > 0:
            mapping.append(f"    {{ RzMap mk; rz_support_{sup.name}({k}, p, x, &mk); rz_prep_{name}(p, x, &mk); "
                           f"x[{k}] = fmin(fmax(rz_map_{name}((rz_map_t)w[{k}], &mk), mk.lo), mk.hi); }}")
            continue
        prep.append(f"    rz_support_{sup.name}({k}, p, nullptr, &m[{k}]); rz_prep_{name}(p, nullptr, &m[{k}]);")
        mapping.append(f"    x[{k}] = fmin(fmax(rz_map_{name}((rz_map_t)w[{k}], &m[{k}]), m[{k}].lo), m[{k}].hi);")
    return "\n".join([
        "__device__ __forceinline__ void rz_prep_all(const double* p, RzMap (&m)[RZ_DIM]) {", *prep,
        "    (void)p; (void)m;", "}",
        "__device__ __forceinline__ void rz_map_all(const float (&w)[RZ_DIM], const RzMap (&m)[RZ_DIM], "
        "const double* p, double (&x)[RZ_DIM]) {", "    (void)p;", *mapping, "}"])


def generate(card: ModelCard, options: KernelOptions = KernelOptions()) -> str:
    """The complete, self-contained CUDA source of the sampler kernel for this card."""
    from ..targets.base import map_constants

    subnets, total = layout(card)
    dim, n_par = len(subnets), len(card.target.parameters)
    target_source = _target_source(card)
    n_constants = max(1, map_constants(target_source))
    prologue = "\n".join([
        f"// generated by zoo.cuda.codegen for model {comment(card.name)} v{comment(card.version)}: do not edit",
        f"// precision {options.precision!r}: mma {options.mma}, tanh {options.tanh}",
        f"#define RZ_TANH_MODE {TANH_MODES[options.tanh]}",
        f"#define RZ_TANH_PAPER_ALPHA {f32_literal(TANH_PAPER_ALPHA)}",
        f"#define RZ_TANH_PAPER_BETA {f32_literal(TANH_PAPER_BETA)}",
        f"typedef {'float' if options.map_precision == 'fp32' else 'double'} rz_map_t;",
        f"#define RZ_NC {n_constants}   /* map constants (RzMap.c) this card's coordinates use */",
        f"#define RZ_DIM {dim}",
        f"#define RZ_NP {n_par}",
        f"#define RZ_NP1 {max(n_par, 1)}",
        f"#define RZ_NZ1 {max(len(input_columns(card)), 1)}",
        f"#define RZ_BROADCAST {int(options.broadcast)}",
        f"#define RZ_BLOCK {options.block}",
        f"#define RZ_WBYTES {shared_bytes(card, options)}",
        f"#define RZ_OUT_T {'float' if options.out_dtype == 'float32' else 'double'}",
        f"#define RZ_CHUNK_TILES {max(1, 8 // dim)}",
    ])
    kdir = kernels_dir()
    lib, coords, kernel = ((kdir / f).read_text(encoding="utf-8") for f in KERNEL_FILES)
    generated = [_params_source(card)]
    generated += [_subnet_source(k, lay, ACTIVATIONS[s.activation], options.mma)
                  for k, (lay, s) in enumerate(zip(subnets, card.architecture.subnets))]
    generated += [_forward_source(card, dim), _mapping_source(card)]
    return "\n\n".join([prologue, lib, coords, c_definitions(), target_source,
                        "// ---- generated from the card ----", *generated, kernel])


def check_shared_memory(card: ModelCard, options: KernelOptions, limit: int) -> int:
    """Total shared memory per block (packed weights + the uniforms' staging) of this mode; raise
    UnsupportedModel naming the way out when it exceeds ``limit`` (the device's opt-in maximum)."""
    dim = len(card.architecture.subnets)
    need = shared_bytes(card, options) + (options.block // 32) * 16 * max(1, 8 // dim) * dim * 4
    if need > limit:
        hint = (f"; precision='fast' (f16 weights) needs "
                f"{need - shared_bytes(card, options) + fast_bytes(card)} bytes") if options.mma == "3xf16" else ""
        raise UnsupportedModel(f"{card.name}: the {options.mma} kernel needs {need} bytes of shared memory per "
                               f"block, this GPU allows {limit}{hint}")
    return need


def shared_bytes(card: ModelCard, options: KernelOptions | None = None) -> int:
    """Dynamic shared memory the kernel needs: the packed weights its mode reads (all of them for
    split-f16, the prefix without the lo fragments for f16). Default options: the default mode."""
    options = options or KernelOptions()
    return layout(card)[1] if options.mma == "3xf16" else fast_bytes(card)
