"""Physical processes: one package each (``zoo/processes/<process>/``).

A process package holds everything specific to its physics: the exact target (pdf, CDF,
supports, coordinates, their kernel and C forms, the reference point used by validation and
benchmarks) in ``target.py``, and anything else it needs (the inverse-Compton rates, say).
It declares what it contributes as ``TARGETS`` in its ``__init__``; ``zoo.targets`` finds the
packages here (plain modules beside them hold what several processes share, e.g. special
functions, and declare nothing) and, for third-party processes, through the entry-point group
``radzoo.processes`` (an entry point names a Target instance or class, or a module with
``TARGETS``). See CONTRIBUTING.md, "Adding a process".
"""
