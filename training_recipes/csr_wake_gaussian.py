"""Recipe for `csr-wake-gaussian`: the sigma-NN of the seed paper (C. Leon, LANL 2024), a field
surrogate mapping the sizes of a Gaussian bunch to its 3-D steady-state CSR wake.

    python training_recipes/csr_wake_gaussian.py                  # full run, writes registry/csr-wake-gaussian
    python training_recipes/csr_wake_gaussian.py --device cuda    # the same on a GPU
    python training_recipes/csr_wake_gaussian.py --smoke --out /tmp/g

(sigma_s, sigma_x, sigma_y) in [2, 12] um (metres on the card) -> log, onto [-1, 1] -> MLP 64-128
(10% dropout) -> a 32 x 4 x 4 x 2 feature map -> 4 stages of transposed convolution x2 and a 3^3
convolution (32, 16, 8, 8 maps, 10% spatial dropout) -> Ws, Wx, Wy on the y > 0 half of the 64^3
grid, each times exp(a learned log amplitude), mirrored onto y < 0 (hard y-symmetry: Ws, Wx even,
Wy odd). ``--y-symmetry none`` gives the unconstrained network, adding ``--symmetry-weight W`` the
soft-constraint loss (name them apart with ``--name``; the validator measures error and violation).

Data: training_recipes/data/csr_wakes.py (216 Gaussian bunches on 64^3, generated on first use,
~1 min); 184 train, 32 held out. Loss: relative MSE (per field and component, / the component's
variance). Adam 4000 steps of 4 fields, lr 1e-3 cosine to 1e-5. Validation: relative MAE on the
held-out fields (the seed's metric), 20 Monte Carlo dropout passes for the 2-sigma calibration.

Cost, measured on one core of the shared 2-core machine (OMP_NUM_THREADS=1, load ~5): 0.66-0.94 s
per step at 64^3 (batch 4), so 4000 steps take 45-65 min; validation ~1 min; predict 47 ms per
field. At 32^3 (``--grid-n 32``) 0.17 s per step; 400 steps there reached 22-24 % held-out MAE
(the learning curve was still falling: judge the step count from a full run's log).
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.surrogate_training import recipe_main  # noqa: E402

if __name__ == "__main__":
    recipe_main(kind="sigma-mlp", name="csr-wake-gaussian",
                summary="Steady-state 3-D CSR wake (Ws, Wx, Wy per bunch electron, rho = 1 m, gamma = 500) of a "
                        "Gaussian bunch from its rms sizes sigma_s, sigma_x, sigma_y in [2, 12] um, on a {grid} (sigma-NN).",
                recipe=f"training_recipes/{Path(__file__).name}", steps=4000, batch_size=4, lr=1e-3, dropout=0.1)
