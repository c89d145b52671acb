"""Recipe for `ic-isotropic`: inverse Compton scattering in an isotropic photon field.

    python training_recipes/ic_isotropic.py            # full run, writes registry/ic-isotropic
    python training_recipes/ic_isotropic.py --smoke --out /tmp/ic   # seconds

Loss: the CDF loss of eq. 4 on the exact, differentiable CDF (the quantile loss on
tabulated inverse CDFs is for the accuracy issue). Output transform: sigmoid onto the
log-q coordinate (ln q from ln q_min to 0), which spreads the up to ~20 decades of
the support evenly, instead of the paper's linear tanh map (eq. 24).
Training draws gamma and eps0 from 64 log-spaced values each over the full domain;
the validator holds out the log-midpoints.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def make_card(*, seed, steps, batch_size):
    return base_card(
        name="ic-isotropic",
        summary="Outgoing photon energy eps (m_e c^2) of inverse Compton scattering of an electron "
                "(Lorentz factor gamma) in an isotropic monochromatic photon field (energy eps0, m_e c^2); "
                "Jones / Blumenthal-Gould kernel, seed paper eq. 27-29.",
        target_id="inverse-compton-isotropic",
        parameters=[{"name": "gamma", "domain": (1.0, 1e10), "input_transform": "log10"},
                    {"name": "eps0", "domain": (1e-10, 1e-2), "input_transform": "log10"}],
        hidden=[32, 32, 32], activation="tanh",
        output_transform={"squash": "sigmoid", "coordinate": "log_q"},
        recipe="training_recipes/ic_isotropic.py", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={"gamma": 64, "eps0": 64})


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "ic-isotropic"),
                steps=20000, batch_size=4096, lr=3e-3)
