"""Recipe for `klein-nishina-polarized`: eps = k'/k, then the azimuth phi of the scattered photon
from the incident polarization vector (chained, the "Camel" architecture of the seed paper).

    python training_recipes/klein_nishina_polarized.py            # full run, writes registry/klein-nishina-polarized
    python training_recipes/klein_nishina_polarized.py --smoke --out /tmp/knp   # seconds

Objective: ``tail-quantile`` regression onto exact inverse-CDF tables of the eps marginal and of
the phi conditional given the exact eps (eq. 17, teacher forcing), then L-BFGS on the same
objective. eps: as ``klein-nishina`` (sigmoid onto ``log_eps``). phi: sigmoid onto the
``azimuth_cubic`` coordinate. Its conditional density A - B cos^2 phi (A = eps + 1/eps, B = 2 sin^2
theta) has period pi and is symmetric about pi/2; in the Thomson limit at theta = 90 deg it
vanishes as phi^2 at 0, pi, 2 pi, where a linear coordinate (v0.1.0: phi = 2 pi w) meets cube
roots inside the map (v0.1.0: phi KS 2.1e-2). The coordinate mirrors the quarters of [0, 2 pi) and
solves a cubic matched to both the linear and the cubic regime per quarter, so dC/dw stays within
[0.66, 2.2] for every eps and k, and the same C/w in both regimes (zoo.processes.klein_nishina.target.azimuth_of_w); the second
subnet sees eps through its coordinate (2 w_eps - 1) and log10 k, from which theta follows.
Training draws k from 128 log-spaced values over [1e-6, 1e6] with 2049 (u_eps, u_phi) pairs each;
the validator holds out the log-midpoints and checks the phi conditional at several eps.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.training import base_card, recipe_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = [96, 96, 96]


def make_card(*, seed, steps, batch_size, name="klein-nishina-polarized", hidden=HIDDEN):
    return base_card(
        version="0.2.0",
        name=name,
        summary="Compton scattering of a linearly polarized photon of energy k (m_e c^2, electron rest frame) "
                "on an electron at rest: energy share eps = k'/k, then the azimuth phi (rad) of the scattered "
                "photon from the incident polarization vector, d sigma/d eps d phi ~ eps + 1/eps - "
                "2 sin^2 theta cos^2 phi.",
        target_id="klein-nishina-polarized",
        parameters=[{"name": "k", "domain": (1e-6, 1e6), "input_transform": "log10"}],
        hidden=hidden, activation="tanh",
        output_transform=[{"squash": "sigmoid", "coordinate": "log_eps"},
                          {"squash": "sigmoid", "coordinate": "azimuth_cubic"}],
        u_transform="logit",
        residual=True,
        recipe=f"training_recipes/{Path(__file__).name}", seed=seed, steps=steps, batch_size=batch_size,
        parameter_grid={"k": 128})


if __name__ == "__main__":
    recipe_main(make_card, default_out=str(ROOT / "registry" / "klein-nishina-polarized"),
                objective="tail-quantile", steps=14000, batch_size=8192, lr=3e-3, lbfgs_rounds=2,
                lbfgs_iterations=300, lbfgs_batch=65536, table_u=2049)
