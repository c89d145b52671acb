"""Recipe for `gaussian-2d`: eq. 22 on the unit square with two chained sub-networks.

    python training_recipes/gaussian_2d.py             # full run, writes registry/gaussian-2d
    python training_recipes/gaussian_2d.py --smoke --out /tmp/g2d

Objective: quantile regression onto exact inverse-CDF tables of the marginal and of
the conditional given the exact x1 (closed-form CDFs, eq. 10 and 13), then L-BFGS on
the chained CDF loss of eq. 17, MSE(C_A(x1), u1) + MSE(C_B(x2 | x1), u2). Output: ``clamp`` onto x (the truncated normal's density does
not vanish at 0 and 1, so a sigmoid would have to reach infinity there), with the
``residual`` form z = u + network, so the network learns the departure from identity. H2 sees x1 (eq. 16) even though the
target factorises, so the validator checks the conditional at several x1 values.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def make_card(*, seed, steps, batch_size, hidden=None):
    return base_card(
        version="0.2.0",
        name="gaussian-2d",
        summary="Two-dimensional Gaussian of seed paper eq. 22, exp(-8[(x1-1/2)^2 + (x2-1/2)^2]) "
                "normalised on the unit square; chained ('Camel') network of eq. 16.",
        target_id="gaussian-2d", parameters=[],
        hidden=hidden or [32, 32, 32], activation="tanh",
        output_transform={"squash": "clamp", "coordinate": "linear"}, residual=True,
        recipe=f"training_recipes/{Path(__file__).name}", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={})


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "gaussian-2d"), objective="quantile",
                steps=150000, batch_size=4096, lr=3e-3, lbfgs_rounds=2, lbfgs_iterations=300,
                lbfgs_batch=32768, table_u=65537)
