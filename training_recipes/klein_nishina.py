"""Recipe for `klein-nishina`: energy share eps = k'/k of a Compton-scattered photon (rest frame).

    python training_recipes/klein_nishina.py            # full run, writes registry/klein-nishina
    python training_recipes/klein_nishina.py --smoke --out /tmp/kn   # seconds

Objective: ``tail-quantile`` regression onto exact inverse-CDF tables (closed-form CDF, lower
tail by direct quadrature; half the u logit-stratified down to 1e-8 at both ends, weights = the
squared relative tail-mass error), then L-BFGS on the same objective.

Output: ``sigmoid`` onto the ``log_eps`` coordinate, eps = exp(-(1 - w) ln(1 + 2k)): the density in
-ln eps lies between 3/4 and 2 over the whole domain (Thomson: nearly uniform in cos theta, Klein-
Nishina: nearly uniform in ln eps), and does not vanish at either end, so C is linear in w at both
ends and the exact map is close to a straight line; u enters as its logit v with the ``residual``
form z = v + network (the tails w ~ c u are what the sigmoid of v + constant gives). Inputs: u's
logit and log10 k. Training draws k from 128 log-spaced values over [1e-6, 1e6]; the validator
holds out the log-midpoints.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = [96, 96, 96]


def make_card(*, seed, steps, batch_size, name="klein-nishina", hidden=HIDDEN):
    return base_card(
        version="0.2.0",
        name=name,
        summary="Energy share eps = k'/k of a photon of energy k (m_e c^2, electron rest frame) Compton-"
                "scattered by a free electron at rest; Klein-Nishina cross section (scattering angle: "
                "cos theta = 1 - (1/eps - 1)/k).",
        target_id="klein-nishina",
        parameters=[{"name": "k", "domain": (1e-6, 1e6), "input_transform": "log10"}],
        hidden=hidden, activation="tanh",
        output_transform={"squash": "sigmoid", "coordinate": "log_eps"}, u_transform="logit",
        residual=True,
        recipe=f"training_recipes/{Path(__file__).name}", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={"k": 128})


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "klein-nishina"), objective="tail-quantile",
                steps=20000, batch_size=8192, lr=3e-3, lbfgs_rounds=2, lbfgs_iterations=300,
                lbfgs_batch=65536, table_u=257)
