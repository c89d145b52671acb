"""Human descriptions of model cards: the architecture string, the README's models table and
``zoo info``'s summary (used by the command line and by ``zoo publish``'s Hub README), one function
of each per model kind; ``zoo.kinds`` picks them (``zoo.kinds.architecture_string``, ``info_summary``)."""
from __future__ import annotations


def sampler_architecture_string(card) -> str:
    """e.g. '4→64→64→64→1 tanh; u: arcsine, residual; out: clamp, log1p_bq' (chained nets joined by +)."""
    subs = card.architecture.subnets
    body = " + ".join("→".join(str(w) for w in (s.n_inputs, *s.hidden, 1)) for s in subs)
    first = subs[0]
    u_in = ", ".join(x for x in (first.u_transform if first.u_transform != "identity" else "",
                                 "residual" if first.residual else "") if x)
    coords = [s.output_transform.coordinate for s in subs]
    out = f"{first.output_transform.squash}, " + (coords[0] if len(set(coords)) == 1 else " + ".join(coords))
    return f"{body} {first.activation}" + (f"; u: {u_in}" if u_in else "") + f"; out: {out}"


def multiply_adds(card) -> int:
    """The network's multiply-adds per draw (every sub-network): the cost that sets a variant's speed
    beside its physical map (measured draws/s: benchmarks/peers.py)."""
    return sum(sum(a * b for a, b in zip([s.n_inputs, *s.hidden], [*s.hidden, 1]))
               for s in card.architecture.subnets)


def models_table(names: list[str] | None = None) -> str:
    """Markdown table of the bundled samplers (``names``; default all), from their cards (metrics
    written by the validator), with the goals line under it."""
    from .registry import bundled_names, resolve

    rows = ["| model | variant | samples | architecture | weights | MACs / draw | KS median | KS max | "
            "tail 1e-4 median / max | tail 1e-6 median / max | JS median | JS at paper point | monotone |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    names = bundled_names("sampler") if names is None else names
    for name in names:
        card, _ = resolve(name)
        m = card.metrics
        if m is None:
            rows.append(f"| {name} | {variant_cell(card)} | | {sampler_architecture_string(card)} | "
                        f"{card.weights.parameter_count} | {multiply_adds(card)} | not validated | | | | | | |")
            continue
        ref = f"{m.js_reference.value:.1e}" if m.js_reference else "n/a"
        var = ", ".join(f"{v.name} [{v.unit}]" for v in card.target.variables)
        rows.append(f"| {name} | {variant_cell(card)} | {var} | {sampler_architecture_string(card)} | "
                    f"{card.weights.parameter_count} | {multiply_adds(card)} | {m.ks_median:.1e} | {m.ks_max:.1e} | "
                    f"{tail_cell(m, 1e-4)} | {tail_cell(m, 1e-6)} | "
                    f"{m.js_median:.1e} | {ref} | {m.monotone} |")
    return "\n".join(rows) + "\n\n" + goals_line(names)


def variant_cell(card) -> str:
    """'fast (of X)', 'accurate (fast: X)' or 'accurate'."""
    if card.variant == "fast":
        return f"fast (of {card.sibling})" if card.sibling else "fast"
    return f"accurate (fast: {card.sibling})" if card.sibling else "accurate"


#: the accuracy goals of the sampler cards (issue 4 and 12): KS max, KS median, tail-mass error at 1e-4
GOALS = {"ks_max": 1e-3, "ks_median": 3e-4, "tail_1e-4": 1e-2}


def missed_goals(m) -> list[str]:
    """The goals a card's metrics miss, each with the measured value and where."""
    out = []
    if m.ks_max > GOALS["ks_max"]:
        w = m.worst
        at = ", ".join(f"{k} = {v:.3g}" for k, v in w.params.items())
        out.append(f"KS max {m.ks_max:.2e} (component {w.component} at {at})")
    if m.ks_median > GOALS["ks_median"]:
        out.append(f"KS median {m.ks_median:.1e}")
    t = m.tail(1e-4)
    if t is not None and max(t.lower_max, t.upper_max) > GOALS["tail_1e-4"]:
        out.append(f"tail-mass error {max(t.lower_max, t.upper_max):.1e} at u = 1e-4")
    return out


def goals_line(names: list[str]) -> str:
    """One generated sentence under the table: which samplers meet the goals, which miss what."""
    from .registry import resolve

    met, missed = [], []
    for name in names:
        card, _ = resolve(name)
        if card.metrics is None:
            continue
        miss = missed_goals(card.metrics)
        (missed.append(f"{name}: {'; '.join(miss)}") if miss else met.append(name))
    line = (f"Goals: KS max <= {GOALS['ks_max']:g}, KS median <= {GOALS['ks_median']:g}, tail-mass error <= "
            f"{GOALS['tail_1e-4']:g} at u = 1e-4 (both ends). Met by {', '.join(met) or 'none'}.")
    return line + (" Missed by " + " / ".join(missed) + "." if missed else "")


def tail_cell(m, u: float) -> str:
    """'median / max' of the relative tail-mass error at level u, the worse of the two ends."""
    t = m.tail(u)
    if t is None:
        return "n/a"
    return f"{max(t.lower_median, t.upper_median):.1e} / {max(t.lower_max, t.upper_max):.1e}"


def sampler_summary(card, folder) -> str:
    """``zoo info`` of a sampler: what it samples, parameters, accuracy, size, provenance."""
    t = card.target
    lines = [f"{card.name} v{card.version}: {card.summary}", ""]
    lines.append(f"variant   {variant_cell(card)}; network {multiply_adds(card)} multiply-adds per draw "
                 "(draws/s against the peers: docs/speed.md)")
    lines.append("samples   " + ", ".join(f"{v.name} [{v.unit}]" for v in t.variables)
                 + f"  (returned as {t.sample_dtype}; target {t.id})")
    if t.parameters:
        lines.append("parameters (trained domain; pass each by name)")
        for p in t.parameters:
            lines.append(f"  {p.name:8s} in [{p.domain[0]:g}, {p.domain[1]:g}] {p.unit}"
                         f"  ({p.input_transform} input{', + ' + ', '.join(p.extra_inputs) if p.extra_inputs else ''})")
    else:
        lines.append("parameters none")
    m = card.metrics
    if m is None:
        lines.append("accuracy  not validated (run `zoo validate NAME --write-card`)")
    else:
        worst = ", ".join(f"{k}={v:.3g}" for k, v in m.worst.params.items()) or "-"
        lines.append(f"accuracy  KS median {m.ks_median:.1e}, max {m.ks_max:.1e} (worst at {worst}); "
                     f"JS median {m.js_median:.1e}; monotone {m.monotone}; {m.n_points} held-out points")
        for t in m.tails:
            lines.append(f"tails     u = {t.u:g}: relative tail-mass error lower end median {t.lower_median:.1e}, "
                         f"max {t.lower_max:.1e}; upper end median {t.upper_median:.1e}, max {t.upper_max:.1e}")
        for e in m.extensions:
            t4 = next((t for t in e.tails if abs(t.u - 1e-4) < 1e-15), None)
            tail = f", tail 1e-4 max {max(t4.lower_max, t4.upper_max):.1e}" if t4 else ""
            lines.append(f"beyond    {e.parameter} in [{e.range[0]:g}, {e.range[1]:g}] ({e.side} the trained domain): "
                         f"{'covered' if e.covered else 'NOT covered'}, KS max {e.ks_max:.1e}{tail} over {e.n_points} "
                         f"random (point, component) cases; {e.limit.split(':')[0]}")
    lines.append(f"network   {sampler_architecture_string(card)}; {card.weights.parameter_count} float32 weights "
                 f"({4 * card.weights.parameter_count / 1024:.0f} KiB), sha256 {card.weights.sha256[:12]}...")
    src = f"Hub {card.source.repo_id}@{card.source.revision}" if card.source else "bundled with the card"
    lines.append(f"weights   {card.weights.file}, {src}")
    tr = card.training
    lines.append(f"training  {tr.recipe}: {tr.steps} steps, {tr.hardware}, {tr.wall_time_s:.0f} s")
    lines.append(f"license   {card.license}")
    lines.append(f"folder    {folder}")
    lines.append("(`zoo info NAME --json` prints the whole card)")
    return "\n".join(lines)


# -- field surrogates -------------------------------------------------------------------------------
def surrogate_architecture_string(card) -> str:
    """e.g. 'sigma-mlp 3→64→128→32x4x4x2, decoder 32,16,8,8 gelu; dropout 0.1 both; y-symmetry hard'."""
    a = card.architecture
    if a.kind == "sigma-mlp":
        body = (f"sigma-mlp {a.n_inputs}→" + "→".join(map(str, a.hidden)) + "→" + "x".join(map(str, a.latent))
                + f", decoder {','.join(map(str, a.decoder_channels))}")
        return f"{body} {a.activation}; dropout {a.dropout:g} {a.dropout_kind}; y-symmetry {a.y_symmetry}"
    if a.kind == "fohm-no":
        return (f"fohm-no: A_perp^ = mu0/|k|^2 exp(g(k)) J_perp^, B^ = i k x A_perp^; g {a.features}→"
                + "→".join(map(str, a.hidden)) + f"→3 {a.activation}; dropout {a.dropout:g} (one mask per pass)")
    body = f"unet {','.join(map(str, a.channels))} ({a.convs_per_level} convs/level, {a.pooling} pooling)"
    act = "linear (no activations, no biases)" if a.linear else a.activation + ("" if a.bias else ", no biases")
    where = "" if a.dropout_levels == "all" else f" in the {a.dropout_levels}"
    return f"{body} {act}; dropout {a.dropout:g} {a.dropout_kind}{where}; y-symmetry {a.y_symmetry}"


def _per_component(v, fmt: str = ".2%") -> str:
    """A ComponentValues as 'a / b / c', in the card's component order."""
    return " / ".join(format(x, fmt) for x in v.values())


def _component_names(cards) -> str:
    """'Ws / Wx / Wy' when every card has the same components, else 'per component'."""
    names = {tuple(c.name for c in card.output.components) for card in cards}
    return " / ".join(names.pop()) if len(names) == 1 else "per component"


def surrogates_table(names: list[str] | None = None) -> str:
    """Markdown table of the bundled field surrogates (``names``; default all; metrics written by the
    surrogate validator)."""
    from .registry import bundled_names, resolve

    cards = [resolve(name)[0] for name in (bundled_names("surrogate") if names is None else names)]
    comps = _component_names(cards)
    if comps == "per component":     # field families of their own metrics (zoo.processes.<process>.PHYSICS)
        rows = ["| model | inputs | grid | architecture | weights | test MAE per component (CSR: / std of the truth; "
                "beam fields: / mean abs of the truth, Gaussian test beams) | 2-sigma calibration | constraint "
                "violation (CSR: y-symmetry; beam fields: div B / (k_max B)) | out-of-distribution MAE "
                "(mean of the components) |"]
    else:
        rows = [f"| model | inputs | grid | architecture | weights | test MAE / std ({comps}) | "
                f"2-sigma calibration | y-symmetry violation | out-of-distribution MAE / std "
                f"(mean of {comps.replace(' / ', ', ')}) |"]
    rows.append("|---|---|---|---|---|---|---|---|---|")
    for card in cards:
        name, m = card.name, card.metrics
        ins = ", ".join(f"{i.name} [{i.unit}]" for i in card.inputs)
        grid = "x".join(map(str, card.output.shape))
        cells = (f"{_per_component(m.test_mae_relative)} | {_per_component(m.calibration_2sigma, '.2f')} | "
                 f"{max(m.constraint_violation.values()):.1e} | "
                 + (", ".join(f"{o.name} {sum(o.mae_relative.values()) / len(o.mae_relative.values()):.1%}"
                              for o in m.ood) or "n/a")) if m else \
            "not validated | | | "
        rows.append(f"| {name} | {ins} | {grid} | {surrogate_architecture_string(card)} | "
                    f"{card.weights.parameter_count} | {cells} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def surrogate_summary(card, folder) -> str:
    """``zoo info`` of a field surrogate."""
    from .surrogates.physics import describe_physics, physics_of

    out, comps = card.output, _component_names([card])
    lines = [f"{card.name} v{card.version} (field surrogate): {card.summary}", ""]
    lines.append("inputs    (pass each to predict() by name)")
    for i in card.inputs:
        shape = out.shape if i.components is None else (len(i.components), *out.shape)
        where = f"in [{i.domain[0]:g}, {i.domain[1]:g}] {i.unit}" if i.kind == "scalar" else \
            f"[{i.unit}] array of shape {shape} (or a batch)" + (f", {', '.join(i.components)}" if i.components else "")
        lines.append(f"  {i.name:8s} {where}" + (f"  ({i.description})" if i.description else ""))
    axes = ", ".join(f"{a.name} {a.n} points in [{a.extent[0]:g}, {a.extent[1]:g}] {a.unit}" for a in out.axes)
    lines.append(f"output    {', '.join(c.name + ' [' + c.unit + ']' for c in out.components)} on {axes}")
    lines.append(f"physics   {describe_physics(card)}")
    m = card.metrics
    if m is None:
        lines.append("accuracy  not validated (run `zoo validate NAME --data FILE --write-card`)")
    else:
        what = getattr(physics_of(card), "metric_text", "held-out MAE / std")
        lines.append(f"accuracy  {what} ({comps}) {_per_component(m.test_mae_relative)} on {m.n_test} "
                     "fields" + (f"; training {_per_component(m.train_mae_relative)}" if m.train_mae_relative else ""))
        lines.append(f"MC drop.  {m.mc_samples} passes: truth inside mean +- 2 std "
                     f"{_per_component(m.calibration_2sigma, '.2f')} (0.95 if calibrated)")
        what = getattr(physics_of(card), "constraint_text", "y-parity violation")
        lines.append(f"symmetry  {what} {_per_component(m.constraint_violation, '.1e')}")
        for o in m.ood:
            lines.append(f"unlike    {o.name} ({o.n}): MAE {_per_component(o.mae_relative)}")
    lines.append(f"network   {surrogate_architecture_string(card)}; {card.weights.parameter_count} float32 weights "
                 f"({4 * card.weights.parameter_count / 1024:.0f} KiB), sha256 {card.weights.sha256[:12]}...")
    src = f"Hub {card.source.repo_id}@{card.source.revision}" if card.source else "bundled with the card"
    lines.append(f"weights   {card.weights.file}, {src}")
    tr, ds = card.training, card.training.dataset
    lines.append(f"training  {tr.recipe}: {tr.steps} steps, {tr.hardware}, {tr.wall_time_s:.0f} s")
    lines.append(f"dataset   {ds.n_train} train / {ds.n_test} held out, {ds.sampling}; sha256 {ds.sha256[:12]}...; "
                 f"regenerate: {ds.command}")
    lines.append(f"license   {card.license}")
    lines.append(f"folder    {folder}")
    lines.append("(`zoo info NAME --json` prints the whole card)")
    return "\n".join(lines)
