"""Recipe for `csr-wake-density`: the lambda-NN of the seed paper (C. Leon, LANL 2024), a 3-D U-Net
mapping a charge density on the grid to its 3-D steady-state CSR wake.

    python training_recipes/csr_wake_density.py                   # full run, writes registry/csr-wake-density
    python training_recipes/csr_wake_density.py --device cuda
    python training_recipes/csr_wake_density.py --smoke --out /tmp/d

lambda / max(lambda) on the 64^3 grid -> U-Net of 4 levels (8, 16, 32, 64 maps, two 3^3
convolutions per level, max pooling, transposed convolutions and skip concatenation, 10% spatial
dropout) -> Ws, Wx, Wy, times max(lambda) (the wake is linear in lambda: exact homogeneity).
Hard y-symmetry: W = (f(lambda) + P f(P lambda)) / 2 (exactly y-equivariant); ``--y-symmetry none``
and ``--symmetry-weight W`` give the unconstrained and soft-constraint variants.

Data: the same 216 Gaussian wakes as csr-wake-gaussian (184 train, 32 held out), with random
superpositions a lambda_i + b lambda_j -> a W_i + b W_j (exact by linearity, ``--superpose``, half the
batches' fields); evaluated also on the dataset's out-of-distribution densities (two bunches,
skewed, tilted, offset in y). Adam 4000 steps of 2 fields, lr 1e-3 cosine to 1e-5.

Cost, measured on one core of the shared 2-core machine (OMP_NUM_THREADS=1, load ~5), 64^3: 4.7-7.5 s
per step (batch 2; the hard y-symmetry evaluates the U-Net twice), so 4000 steps take 5-8 h on a CPU
core: train on a GPU (``--device cuda``), or halve the cost with ``--channels 4,8,16,32`` (2.3 s per
step) or ``--y-symmetry none`` (2.0 s per step); validation ~8 min on a CPU core (0.46 s per field,
21 passes per held-out field), predict 0.46 s per field.
"""
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo.surrogate_training import recipe_main  # noqa: E402

if __name__ == "__main__":
    recipe_main(kind="unet", name="csr-wake-density",
                summary="Steady-state 3-D CSR wake (Ws, Wx, Wy, rho = 1 m, gamma = 500) of a charge density on a "
                        "{grid} (lambda-NN, a 3-D U-Net; trained on Gaussian bunches with sigmas "
                        "in [2, 12] um).",
                recipe=f"training_recipes/{Path(__file__).name}", steps=4000, batch_size=2, lr=1e-3, dropout=0.1,
                superpose=0.5)
