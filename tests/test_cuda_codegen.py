"""CPU-side checks of the CUDA backend: every registry model's kernel compiles with NVRTC for
sm_80 and sm_90 in every precision mode and runs its hidden layers on tensor-core MMA (PTX and SASS)."""
import re
import subprocess

import numpy as np
import pytest

import zoo
from tiers import by_tier
from zoo.card import OutputTransform, SubnetCard
from zoo.cuda import codegen, emulate, limits, nvrtc
from zoo.targets import get_target, target_ids

MODELS = zoo.list(kind="sampler")
SQUASHES = OutputTransform.model_fields["squash"].annotation.__args__  # what cards may name
U_TRANSFORMS = SubnetCard.model_fields["u_transform"].annotation.__args__
OPTIONS = [dict(broadcast=True), dict(broadcast=False, out_dtype="float64")]
#: every kernel mode: the named presets and every (mma, tanh) of the emulation
MODES = [dict(precision=p) for p in codegen.PRECISIONS] + [dict(mma=m, tanh=t) for m, t in emulate.MODES]
MMA_PER_TILE = {"f16": 1, "3xf16": 3}


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADZOO_CACHE", str(tmp_path_factory.getbasetemp() / "cubin"))


def n_mma_layers(card):
    return sum(len(s.hidden) - 1 for s in card.architecture.subnets)


def _mode(mode):
    return codegen.KernelOptions(**{"precision": codegen.DEFAULT_PRECISION, "mma": None, "tanh": None, **mode})


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("name", by_tier(MODELS))
def test_every_registry_model_compiles(name, arch):
    s = zoo.load(name)
    for mode in MODES:
        for opts in OPTIONS:
            cubin = s.compile_kernel(arch, **opts, **mode)
            assert cubin[:4] == b"\x7fELF" and len(cubin) > 1000, (mode, opts)


def _coordinate_variants():
    for name in MODELS:
        s = zoo.load(name)
        for coord in s.target.coordinates:
            yield pytest.param(name, coord, id=f"{name}/{coord}")


@pytest.mark.parametrize("name,coord", list(_coordinate_variants()))
def test_every_coordinate_compiles_alone(name, coord):
    """Each coordinate a target offers, as the only one a kernel uses (codegen emits only the
    coordinates a card names, so one that leans on another's device code would not compile)."""
    from zoo.cuda import nvrtc

    s = zoo.load(name)
    subs = [sub.model_copy(update={"output_transform": sub.output_transform.model_copy(update={"coordinate": coord})})
            for sub in s.card.architecture.subnets]
    card = s.card.model_copy(update={"architecture": s.card.architecture.model_copy(update={"subnets": subs})})
    ptx = nvrtc.compile_source(codegen.generate(card, codegen.KernelOptions()), "sm_80", kind="ptx",
                               name=f"{name}-{coord}.cu", use_cache=False).decode()
    assert ".entry" in ptx


def test_default_is_the_accurate_mode():
    o = codegen.KernelOptions()
    assert (o.precision, o.mma, o.tanh) == ("accurate", "3xf16", "exact")
    assert ((codegen.KernelOptions(precision="fast").mma, codegen.KernelOptions(precision="fast").tanh)
            == ("f16", "f16x2"))
    assert codegen.KernelOptions(precision="fast", tanh="exact").tanh == "exact"   # explicit fields override
    with pytest.raises(ValueError, match="precision='fast'"):
        codegen.KernelOptions(tanh="f16x2")                  # f16x2 rounds to f16: not with split operands
    with pytest.raises(ValueError, match="precision must be"):
        codegen.KernelOptions(precision="medium")
    with pytest.raises(ValueError, match="mma must be"):
        codegen.KernelOptions(mma="tf32")


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("mode", MODES, ids=lambda m: "-".join(m.values()))
@pytest.mark.parametrize("name", by_tier(MODELS))
def test_ptx_uses_tensor_core_mma(name, mode, arch):
    s = zoo.load(name)
    opts = _mode(mode)
    assert n_mma_layers(s.card) > 0, "registry models are deep enough to have hidden -> hidden layers"
    ptx = nvrtc.compile_source(s.kernel_source(**mode), arch, kind="ptx").decode()
    n_mma = len(re.findall(r"mma\.sync\.aligned\.m16n8k16\.row\.col\.f32\.f16\.f16\.f32", ptx))
    want = sum((a // 16) * (b // 8) for sub in s.card.architecture.subnets
               for a, b in zip(sub.hidden[:-1], sub.hidden[1:]))
    assert n_mma == MMA_PER_TILE[opts.mma] * want
    uses_tanh = any(sub.activation == "tanh" for sub in s.card.architecture.subnets)
    if uses_tanh:
        assert ("tanh.approx.f16x2" in ptx) == (opts.tanh in ("f16x2", "f16x2_all"))
        assert ("tanh.approx" in ptx) == (opts.tanh != "exact")   # tanhf is not tanh.approx
    assert ".local" not in ptx                        # nothing spilled to local memory
    assert "ld.global" in ptx and "st.global" in ptx  # weights/parameters in, samples out
    assert f"#define RZ_WBYTES {codegen.shared_bytes(s.card, opts)}" in s.kernel_source(**mode)


#: local memory (ptxas spill bytes) the kernel may use outside the network code: per model, what
#: ``python -m zoo.cuda.limits`` measured (registry/<name>/kernel_limits.json; e.g. quantum-synchrotron's
#: accurate two_scale kernel keeps 48 B on sm_80) plus limits.SPILL_SLACK, so a new model brings its own
#: number and no shared bound is re-tuned


def test_every_sampler_has_its_kernel_limits():
    for name in MODELS:
        rec = limits.read(name)
        assert rec["model"] == name and set(rec["spill_bytes"]) == set(codegen.PRECISIONS)
        assert all(set(v) == set(limits.ARCHS) for v in rec["spill_bytes"].values())
        gaps = rec["lo_fragments"]
        if any(len(sub.hidden) > 1 for sub in zoo.load(name).card.architecture.subnets):
            assert 0 < gaps["accurate_gap"] < gaps["negated_gap"]
        else:   # one hidden layer (synchrotron-fast): no hidden-to-hidden MMA, so no lo fragment to negate
            assert 0 < gaps["accurate_gap"] == gaps["negated_gap"]


def max_spill_bytes(name, precision, arch):
    return limits.read(name)["spill_bytes"][precision][arch] + limits.SPILL_SLACK


@pytest.mark.parametrize("name", by_tier(MODELS))
def test_sass_has_hmma(name):
    try:
        from cuda.pathfinder import find_nvidia_binary_utility
        nvdisasm = find_nvidia_binary_utility("nvdisasm")
    except Exception:  # noqa: BLE001
        nvdisasm = None
    if not nvdisasm:
        pytest.skip("nvdisasm not installed (pip install nvidia-cuda-nvdisasm); the PTX test still checks mma")
    s = zoo.load(name)
    want = sum((a // 16) * (b // 8) for sub in s.card.architecture.subnets
               for a, b in zip(sub.hidden[:-1], sub.hidden[1:]))
    for arch in ("sm_80", "sm_90"):
        for precision in codegen.PRECISIONS:
            path = nvrtc.cache_dir() / f"{name}-{arch}-{precision}.cubin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s.compile_kernel(arch, precision=precision))
            sass = subprocess.run([nvdisasm, str(path)], capture_output=True, text=True, check=True).stdout
            lines = sass.splitlines()
            hmma = [i for i, line in enumerate(lines) if re.search(r"\bHMMA\.16816\.F32\b", line)]
            assert len(hmma) == MMA_PER_TILE[codegen.PRECISIONS[precision][0]] * want, (arch, precision)
            spills = [i for i, line in enumerate(lines) if re.search(r"\b(LDL|STL)\b", line)]
            # the network part (first to last HMMA) never touches local memory; outside it, ptxas may
            # keep a few loop-invariant words (mapping constants) in local memory across the slow-path
            # calls (fp64 division, shfl): stored before the network code, reloaded at most once per
            # word after it (once per tile), at most the model's measured spill bytes (+ slack) in all
            # (docs/cuda.md, "Local memory (spills)")
            # each subnet's tensor-core code (its first to last HMMA; a chained model's mapping of the
            # earlier components lies between two subnets' blocks) is free of local memory
            per_sub = [MMA_PER_TILE[codegen.PRECISIONS[precision][0]] * sum((a // 16) * (b // 8) for a, b in
                                                                            zip(sub.hidden[:-1], sub.hidden[1:]))
                       for sub in s.card.architecture.subnets]
            ends = np.cumsum(per_sub)
            blocks = [(hmma[e - c], hmma[e - 1]) for c, e in zip(per_sub, ends)]
            spill_bytes = nvrtc.resource_usage(s.kernel_source(precision=precision), arch)["spill_stores"]
            inside = [i for i in spills if any(a <= i <= b for a, b in blocks)]
            assert not [i for i in inside if re.search(r"\bSTL\b", lines[i])], \
                f"{arch} {precision}: STL in the MMA code"
            # measured exception: the 64-wide chained accurate kernel (klein-nishina-polarized) reloads
            # two words (L1-resident, against ~200 HMMAs per tile) inside its second subnet on sm_80
            assert len(inside) <= spill_bytes // 4, f"{arch} {precision}: {len(inside)} reloads in the MMA code"
            stores = [i for i in spills if re.search(r"\bSTL\b", lines[i])]
            reloads = [i for i in spills if i > hmma[-1]]
            # and, where more state is live across the loop (the Compton kernels of issue 12 on sm_80),
            # ptxas may store a loop-carried word once per tile after it: bounded like the reloads
            late_stores = [i for i in stores if i > hmma[-1]]
            assert len(late_stores) <= spill_bytes // 4, f"{arch} {precision}: {len(late_stores)} stores per tile"
            assert len(reloads) <= spill_bytes // 4, f"{arch} {precision}: {len(reloads)} reloads per tile"
            assert bool(spills) == bool(spill_bytes), (arch, precision, spills, spill_bytes)
            assert spill_bytes <= max_spill_bytes(name, precision, arch), f"{arch} {precision}: {spill_bytes} B"


def test_cache_hit_and_key(tmp_path, monkeypatch):
    monkeypatch.setenv("RADZOO_CACHE", str(tmp_path))
    src = zoo.load("bessel-test").kernel_source()
    first = nvrtc.compile_source(src, "sm_80")
    files = list(tmp_path.glob("*.cubin"))
    assert len(files) == 1 and files[0].read_bytes() == first
    files[0].write_bytes(b"sentinel")                       # a hit returns the cached bytes
    assert nvrtc.compile_source(src, "sm_80") == b"sentinel"
    nvrtc.compile_source(src, "sm_90")                      # another arch, another key
    nvrtc.compile_source(src + "\n", "sm_80")               # another source, another key
    assert len(list(tmp_path.glob("*.cubin"))) == 3


def test_compile_errors_and_bad_arch():
    with pytest.raises(nvrtc.CompileError, match="error"):
        nvrtc.compile_source("this is not CUDA", "sm_90", use_cache=False)
    with pytest.raises(ValueError, match="sm_80 or newer"):
        nvrtc.compile_source("", "sm_75")
    with pytest.raises(ValueError, match="sm_90"):
        nvrtc.compile_source("", "hopper")


def test_unsupported_architectures_are_named():
    card = zoo.load("bessel-test").card
    sub = card.architecture.subnets[0]
    for hidden in ([8, 8], [144, 144], [32, 24]):
        bad = card.model_copy(update={"architecture": card.architecture.model_copy(
            update={"subnets": [sub.model_copy(update={"hidden": hidden})]})})
        with pytest.raises(codegen.UnsupportedModel, match="multiples of 16"):
            codegen.generate(bad)


def test_every_card_field_that_shapes_the_map_is_implemented():
    """A card field the kernel does not know (e.g. a new SubnetCard option) fails here instead of
    being silently ignored by the generated code."""
    from zoo import card as card_module

    for cls, handled in codegen.CARD_FIELDS.items():
        assert set(getattr(card_module, cls).model_fields) <= handled, \
            (cls, set(getattr(card_module, cls).model_fields) - handled)


@pytest.mark.parametrize("residual", [False, True])
def test_residual_in_generated_code(residual):
    card = zoo.load("gaussian-2d").card
    if "residual" not in SubnetCard.model_fields:
        pytest.skip("this card schema has no residual")
    subs = [sub.model_copy(update={"residual": residual, "u_transform": "arcsine"})
            for sub in card.architecture.subnets]
    card = card.model_copy(update={"architecture": card.architecture.model_copy(update={"subnets": subs})})
    src = codegen.generate(card)
    assert ("z0_1 += x0_1[0];" in src) == residual and ("z1_0 += x1_0[0];" in src) == residual
    assert nvrtc.compile_source(src, "sm_80")[:4] == b"\x7fELF"


def test_every_squash_coordinate_and_activation_has_kernel_code():
    from zoo.transform_defs import c_definitions

    lib = c_definitions()  # the transforms' C (zoo/transforms.h), as the kernel includes it
    assert set(SQUASHES) <= set(codegen.SQUASHES)
    assert all(f"rz_tf_t {fn}(" in lib for fn in codegen.SQUASHES.values())
    assert set(U_TRANSFORMS) <= set(codegen.U_TRANSFORMS)     # every u_transform a card may name
    assert all(f"rz_tf_t {fn}(" in lib for fn in codegen.U_TRANSFORMS.values())
    for tid in target_ids():
        target = get_target(tid)
        assert target.kernel_support is not None, tid
        assert f"rz_support_{target.kernel_support.name}(" in target.kernel_support.cuda
        for coord in target.coordinates:
            kc = codegen.kernel_coordinate(target, coord)
            assert f"rz_prep_{kc.name}(" in kc.cuda and f"rz_map_{kc.name}(" in kc.cuda


@pytest.mark.parametrize("squash", SQUASHES)
@pytest.mark.full
@pytest.mark.parametrize("hidden,act", [([16, 16, 16], "tanh"), ([64, 128], "silu"), ([16], "relu"),
                                        ([48, 32, 16, 16], "gelu")])
def test_other_architectures_compile(hidden, act, squash):
    """Widths 16..128, depth 1..4, every activation: the generator is not tied to the registry."""
    card = zoo.load("ic-isotropic").card
    sub = card.architecture.subnets[0].model_copy(update={
        "hidden": hidden, "activation": act,
        "output_transform": OutputTransform(squash=squash, coordinate="log1p_bq")})
    card = card.model_copy(update={"architecture": card.architecture.model_copy(update={"subnets": [sub]})})
    for mode in MODES:
        opts = _mode(mode)
        ptx = nvrtc.compile_source(codegen.generate(card, opts), "sm_80", kind="ptx")
        assert ptx.count(b"mma.sync.aligned.m16n8k16") == \
            MMA_PER_TILE[opts.mma] * sum(a // 16 * b // 8 for a, b in zip(hidden[:-1], hidden[1:]))


@pytest.mark.parametrize("u_transform", U_TRANSFORMS)
def test_u_transform_in_generated_code(u_transform):
    """The card's u_transform reaches the kernel (and only the u column of each subnet)."""
    card = zoo.load("gaussian-2d").card
    subs = [sub.model_copy(update={"u_transform": u_transform}) for sub in card.architecture.subnets]
    card = card.model_copy(update={"architecture": card.architecture.model_copy(update={"subnets": subs})})
    src = codegen.generate(card)
    fn = codegen.U_TRANSFORMS[u_transform]
    n_calls = src.count(f"{fn}(u") if fn else 0
    assert n_calls == (2 * len(subs) if fn else 0)           # rows g and g + 8 of every subnet
    ptx = nvrtc.compile_source(src, "sm_90", kind="ptx").decode()
    assert ("sqrt.rn.f32" in ptx) == (u_transform == "arcsine")


def test_pack_roundtrip_through_ptx_fragment_layout():
    """unpack (the PTX ISA element formulas) inverts pack (the vectorised swizzle)."""
    s = zoo.load("ic-isotropic")
    sd = s.model.net.state_dict()
    nets = emulate.unpack(s.card, codegen.pack(s.card, sd))
    net = nets[0]
    np.testing.assert_array_equal(net["w_in"], sd["subnets.0.layers.0.weight"].numpy())
    for i, (w16, bias) in enumerate(net["mma"], start=1):
        np.testing.assert_array_equal(w16, sd[f"subnets.0.layers.{i}.weight"].numpy().astype(np.float16))
        np.testing.assert_array_equal(bias, sd[f"subnets.0.layers.{i}.bias"].numpy())
    np.testing.assert_array_equal(net["w_out"], sd["subnets.0.layers.3.weight"].numpy()[0])
    assert net["b_out"] == sd["subnets.0.layers.3.bias"].numpy()[0]
    for i, w_lo in enumerate(net["mma_lo"], start=1):   # hi + lo 2^-11 is the fp32 weight to ~2^-22
        w = sd[f"subnets.0.layers.{i}.weight"].numpy().astype(np.float64)
        split = net["mma"][i - 1][0].astype(np.float64) + w_lo.astype(np.float64) * 2.0**-codegen.SPLIT_SHIFT
        assert np.abs(split - w).max() <= 2.0**-22 * np.abs(w).max()
        assert np.abs(net["mma"][i - 1][0].astype(np.float64) - w).max() > 2.0**-16 * np.abs(w).max()
    blob = codegen.pack(s.card, sd)
    assert len(blob) == codegen.shared_bytes(s.card) == codegen.shared_bytes(s.card, codegen.KernelOptions())
    fast = codegen.shared_bytes(s.card, codegen.KernelOptions(precision="fast"))
    assert fast == codegen.fast_bytes(s.card) < len(blob)
    assert all(off >= fast for lay in codegen.layout(s.card)[0] for off in lay.mma_lo)  # f16 mode: a prefix


def test_kernel_sources_found():
    d = codegen.kernels_dir()
    assert all((d / f).is_file() for f in codegen.KERNEL_FILES)


def test_static_cost_counts_the_modes():
    """python -m zoo.cuda.bench: the accurate mode has 3x the MMAs and no tanh.approx; ptxas reports registers."""
    from zoo.cuda import bench

    rows = {r["precision"]: r for r in bench.static_cost(zoo.load("bessel-test"), "sm_90")}
    assert rows["accurate"]["mma.sync"] == 3 * rows["fast"]["mma.sync"] > 0
    assert rows["accurate"]["tanh.approx"] == 0 < rows["fast"]["tanh.approx"]
    assert rows["accurate"]["ex2.approx"] > rows["fast"]["ex2.approx"]         # tanhf goes through ex2
    assert 0 < rows["fast"]["registers"] <= 255 and rows["accurate"]["spill_stores"] >= 0
    assert rows["accurate"]["shared_bytes"] > rows["fast"]["shared_bytes"]


def test_shared_memory_limit_is_named():
    """Deep 128-wide nets: the split weights outgrow an sm_80 block (166912 B opt-in); the error names
    the fast mode's need, and the fast kernel fits."""
    card = zoo.load("ic-isotropic").card
    sub = card.architecture.subnets[0].model_copy(update={"hidden": [128] * 5})
    card = card.model_copy(update={"architecture": card.architecture.model_copy(update={"subnets": [sub]})})
    sm80 = 166912
    with pytest.raises(codegen.UnsupportedModel, match="precision='fast'"):
        codegen.check_shared_memory(card, codegen.KernelOptions(), sm80)
    fast = codegen.check_shared_memory(card, codegen.KernelOptions(precision="fast"), sm80)
    assert fast == codegen.fast_bytes(card) + 2048
    assert codegen.check_shared_memory(zoo.load("bessel-test").card, codegen.KernelOptions(), 48 * 1024) < 48 * 1024
