"""Recipe for `synchrotron`: the classical synchrotron photon number spectrum in x = E / E_c (no parameters).

    python training_recipes/synchrotron.py            # full run, writes registry/synchrotron
    python training_recipes/synchrotron.py --smoke --out /tmp/sync   # seconds

Objective: ``tail-quantile`` regression onto an exact inverse-CDF table (zoo.processes.synchrotron:
dN/dx ~ Int_x^inf K_{5/3}, CDF and survival function relative-accurate at both ends; half the u
logit-stratified down to 1e-8 at both ends, weights = the squared relative tail-mass error), then
L-BFGS on the same objective.

Output: ``sigmoid`` onto the ``log_cube`` coordinate (zoo.processes.synchrotron.target
``x_log_cube``): x = L - ln(1 + L)/2, L = -ln(1 - w^3), so the x^{1/3} start of the CDF is C ~ w and
the e^{-x} x^{-1/2} tail is 1 - C ~ (1 - w); u enters as its logit with the ``residual`` form. The
only input is u's logit: with no parameters the quantile table is one point's ``table_u`` = 32769
stratified u values (as gaussian-2d). Samples are float64 (x spans ~1e-25 .. 20 over u = 1e-8 ..
1 - 1e-8).
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = [64, 64, 64]


def make_card(*, seed, steps, batch_size, name="synchrotron", hidden=HIDDEN):
    return base_card(
        version="0.1.0",
        name=name,
        summary="Classical synchrotron photon energy x = E / E_c (critical energy E_c = (3/2) gamma^3 hbar c / "
                "rho), number spectrum dN/dx ~ Int_x^inf K_{5/3}(s) ds.",
        target_id="synchrotron",
        parameters=[],
        hidden=hidden, activation="tanh",
        output_transform={"squash": "sigmoid", "coordinate": "log_cube"}, u_transform="logit",
        residual=True,
        recipe=f"training_recipes/{Path(__file__).name}", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={},
        citation="J. Schwinger, Phys. Rev. 75, 1912 (1949); sampler: radzoo (Charles & Chen, seed paper)")


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "synchrotron"), objective="tail-quantile",
                steps=10000, batch_size=8192, lr=3e-3, lbfgs_rounds=2, lbfgs_iterations=300,
                lbfgs_batch=32768, table_u=32769)
