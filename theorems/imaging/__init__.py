"""FIRENET on images (SPEC section 10): subsampled Fourier and Walsh measurements of wavelet
coefficients, in float64 (the paper's set-up) and in certified ball arithmetic.

Modules: ``sampling`` (multilevel masks, local sparsities, DAS counts, level weights),
``phantoms`` (test images, nothing downloaded), ``problems`` (``A = P_Omega U W^-1``, float and
exact problems), ``harness`` (:func:`run_float`, :func:`run_certified`), ``report`` (tables,
JSON, figures), ``cli`` (``python -m theorems imaging``).
"""
