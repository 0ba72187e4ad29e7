"""The stability-accuracy trade-off experiment (``python -m theorems tradeoff``): modules
``operator`` (JAX Fourier-Haar operator, FIRENET over it), ``harness``, ``report``, ``cli``."""
