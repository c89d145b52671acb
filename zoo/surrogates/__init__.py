"""Field surrogates (model kind "surrogate"): ``model`` (``zoo.Surrogate``, predict with Monte Carlo
dropout), ``nets`` (the sigma-NN decoder and the 3-D U-Net), ``validation`` (the only writer of
surrogate metrics). What belongs to one field family (its dataset, physics and training) lives in its
process folder (``zoo/processes/csr_wake/``)."""
