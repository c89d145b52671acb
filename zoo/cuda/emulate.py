"""numpy emulation of the kernel's arithmetic, to bound its deviation from the fp32 torch path
without a GPU.

It reads the *packed* weights (the bytes the kernel gets), decodes the B fragments with the
PTX ISA's mma.m16n8k16 layout, and repeats the kernel's precision choices: the u input
(``u_transform``) in fp32, fp32 first layer, tensor-core layers with f16 operands (``mma="f16"``)
or split-f16 operands hi + lo 2^-11 (``mma="3xf16"``: main product onto the bias, the two
correction products in their own accumulator, joined by one fp32 FMA), fp32 last hidden
layer, output layer and squash, fp64 mapping prep, the map's transcendental part in
``map_precision`` and its last step in fp64; ``residual`` subnets add the u input to z in fp32.

Error models for what the CPU cannot reproduce bit for bit (each a random sign per element,
seeded): ``tanh.approx`` (.f32 and .f16x2) as the exact tanh times (1 + s 2^-10.5); CUDA's
``tanhf`` as the exact tanh times (1 + s 2^-22) (its documented 2 ulp); ``atan2f`` as
the fp64 value times (1 + s 3 2^-24) (3 ulp); the tensor core's fp32 accumulation as the
exact sum of each k8 half of an m16n8k16 MMA added to the accumulator and truncated (round
toward zero) to fp32, the rounding NVIDIA's tensor cores are reported to use (Fasi et al.
2021), which is pessimistic where the hardware keeps extra bits.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..card import ModelCard
from ..transform_defs import ATAN2F_REL_ERR, EARLIER_COLUMNS, INPUT_COLUMNS, SQUASHES, U_TRANSFORMS  # noqa: F401
from . import codegen

#: relative error scale assumed for tanh.approx.f32 / .f16x2 (PTX ISA: about 2^-11)
TANH_APPROX_REL_ERR = 2.0**-10.5
#: CUDA tanhf: 2 ulp maximum error (CUDA C Programming Guide, mathematical functions)
TANHF_REL_ERR = 2.0**-22

#: the kernel modes (mma, tanh) the emulation and the tests cover; the first is the default
MODES = [("3xf16", "exact"), ("3xf16", "approx"), ("f16", "exact"), ("f16", "approx"), ("f16", "f16x2"),
         ("f16", "f16x2_all")]

#: bound on |C(x_kernel) - C(x_torch)| (CDF units, the unit of the cards' KS) for the same u,
#: per mode "mma/tanh"; from this emulation on the registry's held-out points (docs/cuda.md).
#: The default (3xf16/exact) must stay <= ACCURACY_GOAL; its bound, 5e-6, is 8x the largest value
#: measured on the v0.3 registry (6.2e-7, ic-isotropic v0.3.1; 7.8e-7 with a 20-bit accumulator,
#: ACCUMULATOR_BITS = 20) and below what f16 weights alone give (8.9e-6 to 4.2e-5, --ablate-lo zero;
#: 1.8e-5 to 8.3e-5 with the lo fragments negated), so the tests see a lost or mis-signed lo fragment
#: (docs/cuda.md). It was 2e-5 for the v0.2 cards, whose f16-only deviation was 8.4e-5 and more.
#: The other modes' bounds come from a first-order estimate, not from one card's measurement: a
#: relative error e on the last hidden layer's activations (|h| <= 1) moves z by up to
#: e * ||w_out||_1, and C by that times the target's largest density (~1.7 for gaussian-2d). With
#: ||w_out||_1 up to ~20 (gaussian-2d's second subnet, v0.2.0 cards; output_sensitivity()):
#: tanh.approx (e = 2^-10.5) -> ~1.4e-2 in w, ~2.3e-2 in C, stated 2e-2 (worst measured 1.0e-2:
#: the random signs partly cancel). f16 rounding (f16/exact) is uncorrelated from unit to unit, so
#: it adds in quadrature: 2^-12 * ||w_out||_2 (4.5 there) * 1.7 ~ 1.9e-3 in C, stated 3e-3
#: (measured 1.6e-3)
ACCURACY_GOAL = 1e-4
PARITY_BOUND = {"3xf16/exact": 5e-6, "3xf16/approx": 2e-2, "f16/exact": 3e-3, "f16/approx": 2e-2,
                "f16/f16x2": 2e-2, "f16/f16x2_all": 2e-2}


def mode_name(mma: str, tanh: str) -> str:
    return f"{mma}/{tanh}"


def bound(precision: str | None = None, *, mma: str | None = None, tanh: str | None = None) -> float:
    """PARITY_BOUND of a preset (``accurate``, ``fast``) or of an explicit (mma, tanh)."""
    o = codegen.KernelOptions(precision=precision or codegen.DEFAULT_PRECISION, mma=mma, tanh=tanh)
    return PARITY_BOUND[mode_name(o.mma, o.tanh)]

f32 = np.float32


def unpack_b(frags: np.ndarray, n_w: int, k_w: int) -> np.ndarray:
    """Inverse of the B-fragment swizzle, written from the PTX ISA's element formulas.

    For lane l (groupID g = l // 4, threadID_in_group t = l % 4) element i (0..3) of a
    16x8 B tile is B[row, col] with row = 2t + (i & 1) + 8 (i >= 2), col = g.
    """
    frags = frags.reshape(k_w // 16, n_w // 8, 32, 4)
    w = np.zeros((n_w, k_w), dtype=np.float16)
    for lane in range(32):
        g, t = divmod(lane, 4)
        for i in range(4):
            row = 2 * t + (i & 1) + 8 * (i >= 2)
            for kt in range(k_w // 16):
                for nt in range(n_w // 8):
                    w[8 * nt + g, 16 * kt + row] = frags[kt, nt, lane, i]
    return w


def unpack(card: ModelCard, blob: bytes) -> list[dict]:
    """Tensors of each subnet from the packed bytes: w_in, b_in, mma [(W f16, bias)],
    mma_lo [W lo f16 (scaled by 2^SPLIT_SHIFT)], w_out, b_out."""
    buf = np.frombuffer(blob, dtype=np.uint8)
    subnets, _ = codegen.layout(card)

    def f32s(off: int, count: int) -> np.ndarray:
        return buf[off:off + 4 * count].view(np.float32)

    out = []
    for lay in subnets:
        ws = lay.widths
        mma, mma_lo = [], []
        for (frag, bias), lo, k_w, n_w in zip(lay.mma, lay.mma_lo, ws[:-1], ws[1:]):
            size = (k_w // 16) * (n_w // 8) * 32 * 8
            mma.append((unpack_b(buf[frag:frag + size].view(np.float16), n_w, k_w), f32s(bias, n_w)))
            mma_lo.append(unpack_b(buf[lo:lo + size].view(np.float16), n_w, k_w))
        out.append({"w_in": f32s(lay.w_in, ws[0] * lay.n_inputs).reshape(ws[0], lay.n_inputs),
                    "b_in": f32s(lay.b_in, ws[0]), "mma": mma, "mma_lo": mma_lo,
                    "w_out": f32s(lay.w_out, ws[-1]), "b_out": f32s(lay.b_out, 1)[0]})
    return out


# ------------------------------------------------------------------------------ activations
def _act(x: np.ndarray, kind: str) -> np.ndarray:
    x = x.astype(f32)
    if kind == "tanh":
        return np.tanh(x)
    if kind == "relu":
        return np.maximum(x, f32(0))
    if kind == "silu":
        return x / (f32(1) + np.exp(-x))
    from scipy.special import erf
    return (f32(0.5) * x * (f32(1) + erf(x * f32(0.7071067811865476)).astype(f32))).astype(f32)


def _approx(y: np.ndarray, rng: np.random.Generator, rel: float = TANH_APPROX_REL_ERR) -> np.ndarray:
    s = rng.choice(np.array([-1.0, 1.0]), size=y.shape)
    return (y.astype(np.float64) * (1.0 + rel * s)).astype(f32)


def act_to_f16(pre: np.ndarray, kind: str, mode: str, rng) -> np.ndarray:
    """Activation of a layer feeding a tensor-core layer, as f16 (the A fragments)."""
    if kind == "tanh" and mode in ("f16x2", "f16x2_all"):
        return _approx(np.tanh(pre.astype(np.float16).astype(f32)), rng).astype(np.float16)
    return act_f32(pre, kind, mode, rng).astype(np.float16)


def act_f32(pre: np.ndarray, kind: str, mode: str, rng) -> np.ndarray:
    """Activation in fp32 (last hidden layer; every layer in split-f16 mode): tanh.approx.f32
    unless mode is 'exact' (tanhf, 2 ulp), via f16x2 for 'f16x2_all'."""
    if kind == "tanh" and mode == "f16x2_all":
        return act_to_f16(pre, kind, mode, rng).astype(f32)
    y = _act(pre, kind)
    if kind != "tanh":
        return y
    if mode == "exact":
        return y if rng is None else _approx(y, rng, TANHF_REL_ERR)
    return _approx(y, rng)


#: significand bits kept by the modelled tensor-core accumulator (24: fp32); lower it to ask how
#: the deviation would grow on hardware that keeps fewer (docs/cuda.md)
ACCUMULATOR_BITS = 24


def _rz32(x: np.ndarray) -> np.ndarray:
    """float64 -> float32 rounded toward zero (to ACCUMULATOR_BITS significand bits)."""
    x = np.asarray(x, dtype=np.float64)
    if ACCUMULATOR_BITS < 24:
        m, e = np.frexp(x)
        x = np.ldexp(np.trunc(m * 2.0**ACCUMULATOR_BITS) / 2.0**ACCUMULATOR_BITS, e)
    r = x.astype(f32)
    over = np.abs(r.astype(np.float64)) > np.abs(x)
    return np.where(over, np.nextafter(r, f32(0)), r).astype(f32)


def mma_chain(acc: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """acc (n, N) fp32 += a (n, K) f16 @ w (N, K) f16 .T, one tensor-core k8 step at a time:
    exact products, exact sum of the k8 block plus the accumulator, truncated to fp32."""
    a64, w64 = a.astype(np.float64), w.astype(np.float64)
    for k0 in range(0, a.shape[1], 8):
        acc = _rz32(acc.astype(np.float64) + a64[:, k0:k0 + 8] @ w64[:, k0:k0 + 8].T)
    return acc


def dense_mma(h_act: np.ndarray, w16: np.ndarray, w_lo: np.ndarray, bias: np.ndarray, mma: str) -> np.ndarray:
    """A tensor-core layer on fp32 activations (already rounded to f16 in f16 mode)."""
    acc = np.broadcast_to(bias.astype(f32), (h_act.shape[0], bias.size))
    if mma == "f16":
        return mma_chain(acc, h_act.astype(np.float16), w16)
    a_hi, a_lo = codegen.split_f16(h_act)
    e = np.zeros_like(acc)
    main = acc
    for kt in range(0, h_act.shape[1], 16):   # rz_dense_mma3: per k-tile lo*hi, hi*lo, hi*hi
        sl = slice(kt, kt + 16)
        e = mma_chain(e, a_lo[:, sl], w16[:, sl])
        e = mma_chain(e, a_hi[:, sl], w_lo[:, sl])
        main = mma_chain(main, a_hi[:, sl], w16[:, sl])
    return (e.astype(np.float64) * 2.0**-codegen.SPLIT_SHIFT + main.astype(np.float64)).astype(f32)  # fmaf


def u_input(u: np.ndarray, kind: str, rng=None) -> np.ndarray:
    """The network's u input as the kernel computes it (fp32; zoo.transform_defs U_TRANSFORMS)."""
    return U_TRANSFORMS[kind].emulate(u, rng)


def squash(z: np.ndarray, kind: str) -> np.ndarray:
    """The kernel's squash in fp32 (zoo.transform_defs SQUASHES)."""
    return SQUASHES[kind].emulate(z)


# ------------------------------------------------------------------------------ mapping
def map_component(card: ModelCard, k: int, w: np.ndarray, params: Mapping[str, np.ndarray],
                  map_precision: str = "fp32", prev: np.ndarray | None = None) -> np.ndarray:
    """The kernel's w -> physical sample of component k (float64, clamped to the support), from the
    target's kernel forms (``Target.kernel_support``, ``kernel_coordinates``); ``prev`` (n, k): the
    earlier components, for supports that depend on them."""
    from ..targets import get_target

    t = f32 if map_precision == "fp32" else np.float64
    target = get_target(card.target.id)
    coord = codegen.kernel_coordinate(target, card.architecture.subnets[k].output_transform.coordinate)
    p = [np.asarray(params[q.name], dtype=np.float64) for q in card.target.parameters]
    lo, hi = (np.asarray(v, dtype=np.float64) for v in target.kernel_support.emulate(k, p, prev))
    consts, g = coord.emulate_prep(p, prev)
    c = tuple(np.asarray(v).astype(t) for v in consts)
    x = coord.emulate_map(w.astype(t), lo, hi, c, g, t)
    return np.minimum(np.maximum(x, lo), hi)


def scale_params(card: ModelCard, params: Mapping[str, np.ndarray], n: int) -> list[np.ndarray]:
    """The parameters' input columns as the kernel computes them (fp32, codegen.input_columns)."""
    from ..targets import get_target
    from ..targets.base import network_parameters

    seen = network_parameters({k: np.asarray(v, dtype=np.float64) for k, v in params.items()},
                              card.target.parameters, get_target(card.target.id).extensions, lib=np)
    out = []
    for i, kind, lo, s in codegen.input_columns(card):
        v = seen[card.target.parameters[i].name]
        tv = INPUT_COLUMNS[kind].emulate(v)
        out.append(np.broadcast_to(((tv - lo) * s - f32(1)).astype(f32), (n,)))
    return out


# ------------------------------------------------------------------------------ forward
def emulate(card: ModelCard, blob: bytes, u: np.ndarray, params: Mapping[str, np.ndarray], *,
            precision: str | None = None, mma: str | None = None, tanh: str | None = None,
            map_precision: str = "fp32", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x, w) the kernel would produce for uniforms u (n, d) and float64 parameters (scalars or (n,)),
    in the mode of ``codegen.KernelOptions(precision=, mma=, tanh=)`` (default: the default mode)."""
    opts = codegen.KernelOptions(precision=precision or codegen.DEFAULT_PRECISION, mma=mma, tanh=tanh)
    mma, tanh = opts.mma, opts.tanh
    rng = np.random.default_rng(seed)
    u = np.asarray(u, dtype=np.float64).reshape(len(u), -1)
    n = u.shape[0]
    zp = scale_params(card, params, n)
    nets = unpack(card, blob)
    ws, xs = [], []
    for k, (net, spec) in enumerate(zip(nets, card.architecture.subnets)):
        u_k = u_input(u[:, k], getattr(spec, "u_transform", "identity"), rng)
        earlier = [col for w in ws for col in [(f32(2) * w - f32(1)).astype(f32),
                                               *(EARLIER_COLUMNS[e].emulate(w, rng)
                                                 for e in getattr(spec, "earlier_extra_inputs", ()))]]
        cols = [u_k] + earlier + list(zp)
        x = np.stack(cols, axis=1).astype(f32)
        h = (x @ net["w_in"].T + net["b_in"]).astype(f32)
        for (w16, bias), w_lo in zip(net["mma"], net["mma_lo"]):
            if mma == "f16":
                a = act_to_f16(h, spec.activation, tanh, rng).astype(f32)
            else:
                a = act_f32(h, spec.activation, tanh, rng)
            h = dense_mma(a, w16, w_lo, bias, mma)
        h = act_f32(h, spec.activation, tanh, rng)
        z = (h @ net["w_out"] + net["b_out"]).astype(f32)
        if getattr(spec, "residual", False):
            z = (z + u_k).astype(f32)
        w = squash(z, spec.output_transform.squash)
        ws.append(w)
        xs.append(map_component(card, k, w, params, map_precision, np.stack(xs, axis=1) if xs else None))
    return np.stack(xs, axis=1).astype(np.float64), np.stack(ws, axis=1).astype(np.float64)


def cdf_gap(target, xa: np.ndarray, xb: np.ndarray, params: Mapping[str, np.ndarray]) -> float:
    """max over samples and components of |C_k(xa) - C_k(xb)| (exact conditional CDFs), xa/xb (n, d):
    the deviation of two samplers fed the same u, in the unit of the cards' KS."""
    gap = 0.0
    for k in range(xa.shape[1]):
        ca = target.component_cdf(k, xa[:, k], xa[:, :k] if k else None, params)
        cb = target.component_cdf(k, xb[:, k], xb[:, :k] if k else None, params)
        gap = max(gap, float(np.abs(ca - cb).max()))
    return gap


def output_sensitivity(card: ModelCard, blob: bytes) -> list[float]:
    """||w_out||_1 of each subnet (from the packed weights): the first-order factor from a relative
    error of the last hidden activations (|h| <= 1) to z, which sets the fast modes' bounds."""
    return [float(np.abs(net["w_out"].astype(np.float64)).sum()) for net in unpack(card, blob)]


def with_subnet_options(card: ModelCard, model, **update):
    """(card, model) with every subnet's fields updated (e.g. u_transform="arcsine", residual=True)
    and the same weights: what a bundled model's kernel does with those options (a measurement
    device; the net is not retrained)."""
    from ..samplers.model import InverseCDFModel

    subs = [sub.model_copy(update=update) for sub in card.architecture.subnets]
    card = card.model_copy(update={"architecture": card.architecture.model_copy(update={"subnets": subs})})
    other = InverseCDFModel(card).eval()
    other.net.load_state_dict(model.net.state_dict())
    return card, other


def u_input_error(kind: str) -> dict[str, float]:
    """max |v_kernel - v_torch| of the u input over all 2^24 kernel u values (torch: float64, cast
    to fp32 as the model does): with numpy's float32 sqrt/atan2 and with the 3-ulp atan2f model."""
    import torch

    from ..transforms import transform_u

    u = np.arange(1 << 24, dtype=np.float64) * 2.0**-24
    v64 = transform_u(torch.as_tensor(u), kind).numpy()
    u32 = u.astype(f32)
    if kind == "arcsine":
        v_np = f32(2 / np.pi) * np.arctan2(np.sqrt(u32), np.sqrt(f32(1) - u32))
    else:
        v_np = u32
    v_em = u_input(u, kind, np.random.default_rng(0))
    return {"numpy_fp32": float(np.abs(v_np.astype(np.float64) - v64).max()),
            "atan2f_model": float(np.abs(v_em.astype(np.float64) - v64).max()),
            "torch_cast": float(np.abs(v64.astype(f32).astype(np.float64) - v64).max())}


def ablate_lo(card: ModelCard, blob: bytes, how: str) -> bytes:
    """The packed weights with the split mode's lo B fragments zeroed (``zero``: f16 weights) or
    negated (``negate``: a sign bug): what the parity bound must notice."""
    out = bytearray(blob)
    for lay in codegen.layout(card)[0]:
        for lo, k_w, n_w in zip(lay.mma_lo, lay.widths[:-1], lay.widths[1:]):
            end = lo + (k_w // 16) * (n_w // 8) * 32 * 8
            frag = np.frombuffer(bytes(out[lo:end]), dtype=np.float16)
            out[lo:end] = (np.zeros_like(frag) if how == "zero" else -frag).tobytes()
    return bytes(out)


def deviation_table(names=None, n_per_param: int = 4, n_u: int = 4096, ablate: str | None = None,
                    **subnet_update) -> str:
    """max |w_kernel - w_torch| and max |C(x_kernel) - C(x_torch)| per model and mode (mma/tanh),
    over held-out points (n_per_param per parameter) and n_u Philox u each (seed = point index).
    ``subnet_update`` (u_transform=..., residual=...): override those fields of every subnet (same
    weights) to measure their effect. ``ablate``: ``zero`` / ``negate`` the lo fragments (ablate_lo)."""
    import torch

    from ..api import list_models, load
    from ..progress import bar
    from ..samplers.validation import heldout_grid
    from .philox import uniforms

    presets = {mode_name(*v): k for k, v in codegen.PRECISIONS.items()}
    rows = ["model           u_input      mode            preset     max|dw|   max|dC|   bound   points"]
    for name in names or list_models(kind="sampler"):
        s = load(name)
        card, model = (s.card, s.model) if not subnet_update else with_subnet_options(s.card, s.model, **subnet_update)
        blob = codegen.pack(card, model.net.state_dict())
        if ablate:
            blob = ablate_lo(card, blob, ablate)
        points = heldout_grid(card, n_per_param)
        kinds = sorted({getattr(sub, "u_transform", "identity") + ("+res" if getattr(sub, "residual", False) else "")
                        for sub in card.architecture.subnets})
        for mma, tanh in MODES:
            mode = mode_name(mma, tanh)
            dw = dc = 0.0
            for j, pt in enumerate(bar(points, desc=f"{name} {mode_name(mma, tanh)}", unit="point")):
                u = uniforms(n_u, s.dim, seed=j)
                xe, we = emulate(card, blob, u, pt, mma=mma, tanh=tanh, seed=j)
                with torch.no_grad():
                    xt, wt = model(torch.as_tensor(u), {k: torch.tensor(v, dtype=torch.float64) for k, v in pt.items()})
                dw = max(dw, float(np.abs(we - wt.numpy()).max()))
                dc = max(dc, cdf_gap(s.target, xe, xt.numpy(), pt))
            rows.append(f"{name:15s} {'/'.join(kinds):12s} {mode:15s} {presets.get(mode, '-'):10s} {dw:9.2e} "
                        f"{dc:9.2e} {PARITY_BOUND[mode]:7.1e} {len(points):6d}")
    return "\n".join(rows)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="emulated deviation of the kernel from the fp32 torch path")
    ap.add_argument("models", nargs="*", help="model names (default: every bundled model)")
    ap.add_argument("--u-transform", choices=sorted(codegen.U_TRANSFORMS),
                    help="override every subnet's u_transform (same weights) to measure its effect")
    ap.add_argument("--residual", action="store_true", help="set residual on every subnet (same weights)")
    ap.add_argument("--ablate-lo", choices=["zero", "negate"],
                    help="zero or negate the split mode's lo weight fragments (what the bound must catch)")
    ap.add_argument("--points", type=int, default=4, help="held-out points per parameter (default 4)")
    args = ap.parse_args()
    update = {k: v for k, v in (("u_transform", args.u_transform), ("residual", args.residual or None)) if v}
    if args.u_transform:
        err = u_input_error(args.u_transform)
        print(f"u input {args.u_transform}: max |v_kernel - v_torch(fp64)| over all 2^24 u: "
              f"{err['numpy_fp32']:.2e} (numpy float32), {err['atan2f_model']:.2e} (3-ulp atan2f model); "
              f"torch's own fp32 cast: {err['torch_cast']:.2e}")
    print(deviation_table(args.models or None, n_per_param=args.points, ablate=args.ablate_lo, **update))
