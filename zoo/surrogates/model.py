"""The user-facing ``Surrogate``: a field surrogate (card kind "surrogate") with ``predict``.

    import zoo
    m = zoo.load("csr-wake-gaussian")
    w = m.predict(sigma_s=10e-6, sigma_x=5e-6, sigma_y=5e-6)         # metres
    w["Ws"].shape == m.shape                                        # (n_s, n_x, n_y), 1/m^2 per electron
    w = m.predict(sigma_s=10e-6, sigma_x=5e-6, sigma_y=5e-6, mc_samples=50, seed=0)
    w["std"]["Ws"]                                                  # Monte Carlo dropout std

    d = zoo.load("csr-wake-density")
    w = d.predict(density=lam)                                      # lam (n_s, n_x, n_y) [1/m^3]

    f = zoo.load("beam-fields-fohm")
    r = f.predict(current_density=J)                                # J (3, n_x, n_y, n_z) [A/m^2]
    r["B"], r["A"]                                                  # (3, n_x, n_y, n_z): T, T m

Units are the card's (``inputs[].unit``, ``output.components[].unit``): SI throughout, bunch sizes
in metres (as ``zoo.processes.csr_wake``), wakes in 1/m^2 per bunch electron (``to_ev_per_m`` of
``zoo.processes.csr_wake`` turns them into eV/m for a charge). Scalar inputs outside the trained
domain are refused (ValueError naming the input, the domain and its unit).

Outputs are float32 numpy arrays on the card's grid (``coords``; ``predict``'s result carries it as
``.coords``: the s, x, y axes in metres, and ``.units``), indexed [i_s, i_x, i_y]; a batch
of inputs (1-D arrays of equal length, or densities of shape (B, n_s, n_x, n_y)) gives arrays with
a leading batch axis. A vector field input (``SurrogateInput.components``, e.g. Jx, Jy, Jz) has its
components first, (3, *grid), and may be signed; the card's ``output.vectors`` (e.g. B = Bx, By, Bz)
are also returned stacked under their names, (3, *grid), and in ``std``. With ``mc_samples=N``
(N >= 2) the network runs N times with its dropout active (Monte Carlo dropout, Gal & Ghahramani
2016): the fields are the mean of the N passes and
``std`` holds their standard deviation (ddof 1); ``seed`` makes the passes reproducible.
With ``mc_samples=0`` (default) dropout is off and the result is deterministic.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..card import SurrogateCard
from ..checks import check_count, check_device, check_seed, real_tensor, shown
from .nets import build_surrogate_network, set_mc_dropout
from .physics import physics_of

#: inputs evaluated per network call (bounds memory for large batches)
CHUNK = 8
#: at most this many Monte Carlo passes per input (the dropout std converges long before)
MAX_MC_SAMPLES = 1000
#: at most this many network passes per call (inputs x max(mc_samples, 1)): ~1 hour on a CPU core
#: at 32^3 (44-72 ms a pass); split larger jobs into several calls
MAX_PASSES = 100_000


class Fields(dict):
    """What ``predict`` returns: a dict of the components (``Ws``, ``Wx``, ``Wy``, and ``std`` with
    Monte Carlo passes) that also carries its grid: ``coords`` (the s, x, y axes [m], numpy arrays)
    and ``units`` (per component)."""

    def __init__(self, *, coords: dict, units: dict):
        super().__init__()
        self.coords = coords
        self.units = units


class Surrogate:
    """A field surrogate ready to predict.

    Attributes: ``card`` (the SurrogateCard), ``path`` (its folder), ``net`` (the torch module,
    physical inputs -> fields), ``shape`` (the grid), ``axes`` (the grid's 1-D coordinates per axis
    [m]; ``coords`` is the same), ``units`` (per component), ``physics`` (the card's physics block
    as its process defines it, e.g. ``zoo.processes.csr_wake.WakePhysics``).
    """

    def __init__(self, card: SurrogateCard, path: str | Path, tensors: dict[str, torch.Tensor]):
        if not isinstance(card, SurrogateCard):
            raise TypeError(f"a Surrogate needs a SurrogateCard, got {type(card).__name__}")
        self.card = card
        self.path = Path(path)
        self.physics = physics_of(card)
        domains = [tuple(i.domain) for i in card.inputs if i.kind == "scalar"]
        net = build_surrogate_network(card.architecture, domains, parity=[c.parity for c in card.output.components],
                                      card=card)
        net.load_state_dict(tensors)
        self.net = net.eval().requires_grad_(False)
        self.device = torch.device("cpu")

    def __repr__(self) -> str:
        ins = ", ".join(f"{i.name} [{i.unit}]" for i in self.card.inputs)
        return (f"Surrogate({self.card.name!r} v{self.card.version}, {self.card.architecture.kind}, {ins} -> "
                f"{', '.join(self.components)} on {'x'.join(map(str, self.shape))})")

    # -- description ------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        return self.card.output.shape

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.card.output.components)

    @property
    def units(self) -> dict[str, str]:
        return {c.name: c.unit for c in self.card.output.components}

    @property
    def axes(self) -> dict[str, np.ndarray]:
        """The output grid: per axis (in the card's order, e.g. s, x, y), its 1-D coordinates in the
        axis's unit (metres for the CSR wakes; ``card.output.axes[i].unit``)."""
        return {a.name: np.linspace(a.extent[0], a.extent[1], a.n) for a in self.card.output.axes}

    @property
    def coords(self) -> dict[str, np.ndarray]:
        """The same as ``axes`` (the name ``predict``'s results carry)."""
        return self.axes

    @property
    def grid(self):
        """The output grid as a ``zoo.processes.csr_wake.Grid`` (for ``gaussian_density``, ``wake``)."""
        from ..processes.csr_wake import Grid

        axes = self.card.output.axes
        if any(abs(a.extent[0] + a.extent[1]) > 1e-12 * a.extent[1] for a in axes):
            raise ValueError("the card's grid is not centred on 0; csr_wake.Grid needs a centred grid")
        return Grid(n=self.shape, sigma=tuple(a.extent[1] for a in axes), extent=1.0)

    def to(self, device) -> "Surrogate":
        """Move the network to a device ('cpu', 'cuda'); predictions then run there."""
        self.device = check_device(device)
        self.net.to(self.device)
        return self

    # -- prediction -------------------------------------------------------------------------------
    def predict(self, *, mc_samples: int = 0, seed: int | None = None, **inputs: Any) -> dict:
        """The fields for the card's inputs, passed by name (``sigma_s=..., sigma_x=..., sigma_y=...``
        for a sigma model, ``density=...`` for a density model): a dict of ``Ws``, ``Wx``, ``Wy``
        arrays on the grid, and with ``mc_samples >= 2`` also ``std`` (a dict of the same keys).
        The result's ``.coords`` holds the grid's axes (s, x, y) in metres, ``.units`` the
        components' units. A call whose outputs would not fit in
        the available memory, or that would run more than ``MAX_PASSES`` network passes, is refused
        before any work, naming the largest batch that fits. See the module docstring."""
        n_mc = check_count("mc_samples", mc_samples, maximum=MAX_MC_SAMPLES)
        if n_mc == 1:
            raise ValueError("mc_samples must be 0 (no uncertainty) or at least 2 (Monte Carlo dropout passes)")
        if seed is not None:
            seed = check_seed("seed", seed)
        self._check_size(self._batch_of(inputs), n_mc)     # from the shapes alone, before any copy
        x, batched = self._inputs(inputs)
        self._check_size(x.shape[0], n_mc)
        mean, std = self._run(x, n_mc, seed)
        out = Fields(coords=self.coords, units=self.units)
        for k, name in enumerate(self.components):
            out[name] = mean[:, k] if batched else mean[0, k]
        if std is not None:
            out["std"] = {name: std[:, k] if batched else std[0, k] for k, name in enumerate(self.components)}
        for name, members in (self.card.output.vectors or {}).items():      # e.g. B = (Bx, By, Bz)
            ks = [self.components.index(m) for m in members]
            out[name] = mean[:, ks] if batched else mean[0, ks]
            if std is not None:
                out["std"][name] = std[:, ks] if batched else std[0, ks]
        return out

    def _inputs(self, inputs: dict) -> tuple[torch.Tensor, bool]:
        """Checked inputs as one tensor (B, n) or (B, n_s, n_x, n_y), and whether a batch was passed."""
        specs = self.card.inputs
        names = [i.name for i in specs]
        unknown = [k for k in inputs if k not in names]
        if unknown:
            raise TypeError(f"predict() got unexpected input {shown(unknown[0])}; model {self.card.name!r} takes "
                            f"{', '.join(names)} (and mc_samples, seed)")
        missing = [i for i in specs if i.name not in inputs]
        if missing:
            i = missing[0]
            what = f"[{i.domain[0]:g}, {i.domain[1]:g}] {i.unit}" if i.kind == "scalar" else f"{i.unit} on the grid"
            raise TypeError(f"predict() needs {i.name} ({what}); model {self.card.name!r} takes {', '.join(names)}")
        if specs[0].kind == "field":
            return self._field(specs[0], inputs[specs[0].name])
        cols, lengths = [], set()
        for spec in specs:
            t = real_tensor(spec.name, inputs[spec.name]).to(torch.float64)
            if not bool(torch.isfinite(t).all()):
                raise ValueError(f"{spec.name} must be finite, got {shown(inputs[spec.name])}")
            lo, hi = spec.domain
            bad = (t < lo) | (t > hi)
            if bool(bad.any()):
                v = float(t[bad][0])
                hint = ""
                if spec.unit == "m" and lo <= v * 1e-6 <= hi:
                    hint = f" (in metres: {v:g} um is {v * 1e-6:g} m)"
                raise ValueError(f"{spec.name} = {v:g} {spec.unit} is outside the trained domain "
                                 f"[{lo:g}, {hi:g}] {spec.unit}{hint}")
            if t.dim() == 1:
                lengths.add(t.shape[0])
            cols.append(t)
        if len(lengths) > 1:
            raise ValueError(f"array inputs must have one length, got lengths {sorted(lengths)} for "
                             f"{', '.join(names)}")
        n = lengths.pop() if lengths else 1
        if n == 0:
            raise ValueError(f"array inputs are empty ({', '.join(names)})")
        batched = any(c.dim() == 1 for c in cols)
        return torch.stack([c.expand(n) if c.dim() == 0 else c for c in cols], dim=1), batched

    def _field(self, spec, value) -> tuple[torch.Tensor, bool]:
        comps = spec.components
        shape = self.shape if comps is None else (len(comps), *self.shape)
        t = real_tensor(spec.name, value, max_dim=len(shape) + 1).to(torch.float32)
        if tuple(t.shape[-len(shape):]) != shape or t.dim() not in (len(shape), len(shape) + 1):
            what = "the grid's shape" if comps is None else f"the shape ({', '.join(comps)} on the grid)"
            raise ValueError(f"{spec.name} must have {what} {shape} (or (B, {', '.join(map(str, shape))})"
                             f" for a batch), got {tuple(t.shape)}")
        batched = t.dim() == len(shape) + 1
        if batched and t.shape[0] == 0:
            raise ValueError(f"{spec.name} is an empty batch")
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{spec.name} must be finite (it holds NaN or inf)")
        if comps is None and bool((t < 0).any()):
            raise ValueError(f"{spec.name} must be non-negative (a charge density, {spec.unit})")
        return (t if batched else t[None]), batched

    def _batch_of(self, inputs: dict) -> int:
        """The batch size the inputs' shapes imply (1 if unknown here; ``_inputs`` checks them)."""
        batch = 1
        for spec in self.card.inputs:
            shape = getattr(inputs.get(spec.name), "shape", None)
            if isinstance(shape, tuple) or isinstance(shape, torch.Size):
                if spec.kind == "field" and len(shape) == (4 if spec.components is None else 5):
                    batch = max(batch, int(shape[0]))
                elif spec.kind == "scalar" and len(shape) == 1:
                    batch = max(batch, int(shape[0]))
        return batch

    def _check_size(self, batch: int, n_mc: int) -> None:
        """Refuse, before any work, a call whose float32 outputs (fields, and their std with
        Monte Carlo passes) exceed the available memory, or whose passes exceed MAX_PASSES."""
        from ..samplers.sampler import memory_of

        per_input = len(self.components) * int(np.prod(self.shape)) * 4 * (2 if n_mc else 1)
        need = batch * per_input
        if need > 1 << 28:
            total = memory_of(torch.device("cpu"))
            if total and need > total:
                raise ValueError(f"a batch of {batch} inputs needs {need / 2**30:.3g} GiB for its fields"
                                 f"{' and their std' if n_mc else ''}, more than the {total / 2**30:.3g} GiB "
                                 f"available; predict at most {total // per_input} inputs per call, in batches")
        passes = batch * max(n_mc, 1)
        if passes > MAX_PASSES:
            raise ValueError(f"a batch of {batch} inputs with mc_samples={n_mc} is {passes} network passes, more "
                             f"than {MAX_PASSES} per call; predict at most {MAX_PASSES // max(n_mc, 1)} inputs "
                             f"per call with mc_samples={n_mc}, in batches")

    def _run(self, x: torch.Tensor, n_mc: int, seed: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        net = self.net
        B = x.shape[0]
        # allocated once: no concatenation peak
        outs = np.empty((B, len(self.components), *self.shape), dtype=np.float32)
        stds = np.empty_like(outs) if n_mc else None
        with torch.no_grad(), torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            if seed is not None:
                torch.manual_seed(seed)
            for start in range(0, x.shape[0], CHUNK):
                xb = x[start:start + CHUNK].to(self.device)
                if n_mc == 0:
                    outs[start:start + CHUNK] = net(xb).float().cpu().numpy()
                    continue
                set_mc_dropout(net, True)
                try:   # Welford: mean and variance without keeping the N passes
                    mean = torch.zeros((xb.shape[0], len(self.components), *self.shape), dtype=torch.float64,
                                       device=self.device)
                    m2 = torch.zeros_like(mean)
                    for k in range(1, n_mc + 1):
                        w = net(xb).double()
                        d = w - mean
                        mean += d / k
                        m2 += d * (w - mean)
                finally:
                    set_mc_dropout(net, False)
                outs[start:start + CHUNK] = mean.float().cpu().numpy()
                stds[start:start + CHUNK] = torch.sqrt(m2 / (n_mc - 1)).float().cpu().numpy()
        return outs, stds
