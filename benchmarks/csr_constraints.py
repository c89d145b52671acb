"""Hard vs soft vs no y-symmetry constraint for a CSR wake surrogate (issue 14, item 5): a table
of the validator-written metrics of the variant cards.

    G="zoo train csr-wake-gaussian"
    $G --grid-n 32 --name csr-wake-gaussian-hard --out checkpoints/variants/hard
    $G --grid-n 32 --name csr-wake-gaussian-free --y-symmetry none --out checkpoints/variants/free
    $G --grid-n 32 --name csr-wake-gaussian-soft --y-symmetry none --symmetry-weight 1 \\
        --out checkpoints/variants/soft
    python benchmarks/csr_constraints.py checkpoints/variants/{free,soft,hard}

The wakes of the (y-symmetric) bunches have Ws and Wx even and Wy odd in y. ``violation`` is
the validator's constraint_violation (mean over the grid of |W - P W| / 2 over the std of the
truth, P the mirror with the parity), ``MAE`` its test_mae_relative (held-out fields, the seed
paper's metric), ``2-sigma`` the fraction of held-out grid values inside the Monte Carlo dropout
mean +- 2 std.
"""
from __future__ import annotations

import sys
from pathlib import Path


from zoo.card import read_card  # noqa: E402


def describe(card) -> str:
    hp = card.training.hyperparameters
    if card.architecture.y_symmetry == "hard":
        return "hard (y-symmetric architecture)"
    w = float(hp.get("symmetry_weight", 0.0))
    return f"soft (loss weight {w:g})" if w > 0 else "none"


def main(argv=None) -> int:
    folders = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    if not folders:
        print(__doc__, file=sys.stderr)
        return 2
    print("| constraint | MAE Ws / Wx / Wy | violation Ws / Wx / Wy | 2-sigma Ws / Wx / Wy | train MAE (mean) "
          "| steps | wall [s] |")
    print("|---|---|---|---|---|---|---|")
    for f in folders:
        card = read_card(f / "card.json")
        m = card.metrics
        if m is None:
            print(f"{f}: no metrics (not validated)", file=sys.stderr)
            return 2
        tr = m.train_mae_relative
        tr_mean = f"{sum(tr.values()) / 3:.2%}" if tr is not None else "n/a"
        print(f"| {describe(card)} | " + " / ".join(f"{v:.2%}" for v in m.test_mae_relative.values())
              + " | " + " / ".join(f"{v:.1e}" for v in m.constraint_violation.values())
              + " | " + " / ".join(f"{v:.2f}" for v in m.calibration_2sigma.values())
              + f" | {tr_mean} | {card.training.steps} | {card.training.wall_time_s:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
