"""Recipe for `klein-nishina-polarized`: eps = k'/k, then the azimuth phi of the scattered photon
from the incident polarization vector (chained, the "Camel" architecture of the seed paper).

    python training_recipes/klein_nishina_polarized.py            # full run, writes registry/klein-nishina-polarized
    python training_recipes/klein_nishina_polarized.py --smoke --out /tmp/knp   # seconds

Objective: ``tail-quantile`` regression onto exact inverse-CDF tables of the eps marginal and of
the phi conditional given the exact eps (eq. 17, teacher forcing), then L-BFGS on the same
objective. eps: as ``klein-nishina`` (sigmoid onto ``log_eps``, 3 x 96). phi: sigmoid onto the
``azimuth_kepler`` coordinate (v0.3.0), the exact inverse CDF of the azimuth given eps and k: the
conditional density A - B cos^2 phi is 1 - e cos 2 phi up to a constant, its CDF per quarter period
is Kepler's equation in 2 phi, which the coordinate solves by three Newton steps from a cubic
start (to 3e-8 in C, relative-accurate in the tails; zoo.processes.klein_nishina.target.azimuth_kepler_of_w),
so the phi subnet (residual, 2 x 32) only has to stay at zero. v0.1.0 learned phi through a linear
coordinate (KS 2.1e-2), v0.2.0 through the ``azimuth_cubic`` approximation (dC/dw in [0.66, 2.2];
KS max 4.1e-3 with 3 x 96 after 14000 steps, 2.9e-3 after 24000): the network's error in the phi
correction was the whole error of the model. The second subnet sees eps through its coordinate
(2 w_eps - 1) and log10 k. Training draws k from 128 log-spaced values over [1e-6, 1e6] with 2049
(u_eps, u_phi) pairs each; the validator holds out the log-midpoints and checks the phi conditional
at several eps.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: eps subnet 3 x 96 (as klein-nishina); phi subnet 2 x 32 (it corrects an exact coordinate)
HIDDEN = [[96, 96, 96], [32, 32]]


def make_card(*, seed, steps, batch_size, name="klein-nishina-polarized", hidden=HIDDEN):
    return base_card(
        version="0.3.0",
        name=name,
        summary="Compton scattering of a linearly polarized photon of energy k (m_e c^2, electron rest frame) "
                "on an electron at rest: energy share eps = k'/k, then the azimuth phi (rad) of the scattered "
                "photon from the incident polarization vector, d sigma/d eps d phi ~ eps + 1/eps - "
                "2 sin^2 theta cos^2 phi.",
        target_id="klein-nishina-polarized",
        parameters=[{"name": "k", "domain": (1e-6, 1e6), "input_transform": "log10"}],
        hidden=hidden, activation="tanh",
        output_transform=[{"squash": "sigmoid", "coordinate": "log_eps"},
                          {"squash": "sigmoid", "coordinate": "azimuth_kepler"}],
        u_transform="logit",
        residual=True,
        recipe=f"training_recipes/{Path(__file__).name}", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={"k": 128})


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "klein-nishina-polarized"),
                objective="tail-quantile", steps=20000, batch_size=8192, lr=3e-3, lbfgs_rounds=2,
                lbfgs_iterations=300, lbfgs_batch=65536, table_u=2049)
