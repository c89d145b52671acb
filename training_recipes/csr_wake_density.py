"""Recipe for `csr-wake-density`: the lambda-NN of the seed paper (C. Leon, LANL 2024), a 3-D U-Net
mapping a charge density on the grid to its 3-D steady-state CSR wake.

    python training_recipes/csr_wake_density.py                   # full run, writes registry/csr-wake-density
    python training_recipes/csr_wake_density.py --device cuda
    python training_recipes/csr_wake_density.py --smoke --out /tmp/d

lambda on the 32^3 grid (+-48 um) -> a *linear* U-Net of 4 levels (8, 16, 32, 64 maps, two 3^3
convolutions per level, average pooling, transposed convolutions and skip concatenation, no
activations and no biases) -> Ws, Wx, Wy. The wake is a linear functional of lambda (a convolution
with the Green functions), so the network is made exactly linear: a hard constraint, which also
makes it exactly homogeneous and superposable (``--no-linear`` gives the GELU U-Net with max pooling).
Hard y-symmetry: W = (f(lambda) + P f(P lambda)) / 2 (exactly y-equivariant); ``--y-symmetry none``
and ``--symmetry-weight W`` give the unconstrained and soft-constraint variants. Monte Carlo dropout:
10 % spatial dropout in the coarsest block only (``--dropout-levels all`` everywhere).

Why these choices (measured 2026-11-30 at 32^3, 4-8-16-32 maps, no y-symmetry, batch 2, superposition
0.5, held-out relative MAE Ws/Wx/Wy after the steps given; ``/tmp``-style experiments, one core):
GELU U-Net with 10 % spatial dropout in every block, 400 steps, lr 1e-3: 66/68/47 % (the loss did not
move from 1.07; the same network at 48^3 was at 1.19 after 500 steps); linear, same dropout: 29/24/47 %;
linear, lr 3e-3, no dropout, 1500 steps: 7.7/5.8/6.6 % (out-of-distribution densities 18/15/15 %);
linear with 2 % dropout everywhere: 11/9.6/9.5 %; GELU without dropout, 1500 steps: 19/16/47 %.
Dropping whole maps of 4-channel blocks is too much noise to learn through; the nonlinear network
learns the linear map far more slowly than a linear one.

Data: the 216 Gaussian bunches of csr-wake-gaussian on a 32^3 grid (184 train, 32 held out; ~7 s to
generate), with random superpositions a lambda_i + b lambda_j -> a W_i + b W_j (exact by linearity,
``--superpose``, half the batches' fields); evaluated also on the dataset's out-of-distribution
densities (two bunches, skewed, tilted, offset in y). Adam 10000 steps of 2 fields, lr 3e-3 cosine to
3e-5. The 32^3 grid (3.1 um cells; the smallest bunches, sigma = 2 um, span one or two cells) is what
fits a CPU core in a session: the surrogate reproduces the wake computation on this grid; 64^3
(``--grid-n 64``) is for a GPU.

Cost, measured on one core of the shared 2-core machine (OMP_NUM_THREADS=1), 32^3: 0.48 s per step
(hard y-symmetry: two U-Net passes), 10000 steps ~80 min.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.surrogate_training import recipe_main  # noqa: E402

if __name__ == "__main__":
    recipe_main(kind="unet", name="csr-wake-density",
                summary="Steady-state 3-D CSR wake (Ws, Wx, Wy, rho = 1 m, gamma = 500) of a charge density on a "
                        "{grid} (lambda-NN, a linear 3-D U-Net; trained on Gaussian bunches with sigmas "
                        "in [2, 12] um).",
                recipe=f"training_recipes/{Path(__file__).name}", steps=10000, batch_size=2, lr=3e-3, dropout=0.1,
                superpose=0.5, grid_n=32, linear=True, dropout_levels="bottleneck")
