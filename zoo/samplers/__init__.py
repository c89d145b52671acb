"""Samplers (model kind "sampler"): a network learns the inverse CDF of an exact target, x = NN(u, Z).

``model`` (the full map: input columns, networks, squashes, coordinates; ``InverseCDFModel``),
``nets`` (the dense and chained networks, seed paper eq. 3 and 16), ``sampler`` (``zoo.Sampler``:
checked arguments, CPU and GPU backends, exact mode), ``exact`` (exact mode's Newton refinement),
``quantiles`` (exact inverse-CDF tables, the targets of quantile regression), ``training`` (the CDF
and quantile losses, ``recipe_card``, ``write_model``) and ``validation`` (the only writer of sampler
metrics). What belongs to one physical process lives in its folder (``zoo/processes/<p>/``); the
kind itself is ``zoo.kinds.SamplerKind``.
"""
