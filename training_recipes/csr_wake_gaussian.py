"""Recipe for `csr-wake-gaussian`: the sigma-NN of the seed paper (C. Leon, LANL 2024), a field
surrogate mapping the sizes of a Gaussian bunch to its 3-D steady-state CSR wake.

    python training_recipes/csr_wake_gaussian.py                  # full run, writes registry/csr-wake-gaussian
    python training_recipes/csr_wake_gaussian.py --device cuda --grid-n 64   # the 64^3 grid, on a GPU
    python training_recipes/csr_wake_gaussian.py --smoke --out /tmp/g

(sigma_s, sigma_x, sigma_y) in [2, 12] um (metres on the card) -> log, onto [-1, 1] -> MLP 64-128
(2% dropout) -> a 32 x 4 x 4 x 2 feature map -> stages of transposed convolution x2 and a 3^3
convolution (32, 16, 8 maps at 32^3; 32, 16, 8, 8 at 64^3; 2% spatial dropout) -> Ws, Wx, Wy on
the y > 0 half of the grid, each times exp(a learned log amplitude), mirrored onto y < 0 (hard
y-symmetry: Ws, Wx even, Wy odd). ``--y-symmetry none`` gives the unconstrained network, adding
``--symmetry-weight W`` the soft-constraint loss (name them apart with ``--name``; the validator
measures error and violation; ``benchmarks/csr_constraints.py`` tabulates them).

Data: training_recipes/data/csr_wakes.py (216 Gaussian bunches on the 32^3 grid over +-48 um,
generated on first use, ~7 s); 184 train, 32 held out. Loss: relative MSE (per field and component,
/ the component's variance). Adam 4000 steps of 4 fields, lr 1e-2 cosine to 1e-4. Validation:
relative MAE on the held-out fields (the seed's metric), 20 Monte Carlo dropout passes for the
2-sigma calibration.

Why lr 1e-2 and 2% dropout (measured 2026-11-30, 32^3, 1000 steps, held-out MAE Ws/Wx/Wy):
lr 1e-3 and 10% dropout 16/14/14 %; lr 1e-3, 2% 11/11/11 %; lr 3e-3, 2% 6.0/6.0/5.0 %; lr 1e-2, 2%
5.0/5.2/4.7 %. The 64^3 run with lr 1e-3 and 10% dropout (4000 steps, 58 min) is in the session note.

Cost, measured on one core of the shared 2-core machine (OMP_NUM_THREADS=1): 0.16 s per step at
32^3 (batch 4), 4000 steps ~11 min; 0.75-0.89 s per step at 64^3 (4000 steps ~55 min); predict
~47 ms per field at 64^3.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.surrogate_training import recipe_main  # noqa: E402

if __name__ == "__main__":
    recipe_main(kind="sigma-mlp", name="csr-wake-gaussian",
                summary="Steady-state 3-D CSR wake (Ws, Wx, Wy per bunch electron, rho = 1 m, gamma = 500) of a "
                        "Gaussian bunch from its rms sizes sigma_s, sigma_x, sigma_y in [2, 12] um, on a {grid} (sigma-NN).",
                recipe=f"training_recipes/{Path(__file__).name}", steps=4000, batch_size=4, lr=1e-2, dropout=0.02,
                grid_n=32)
