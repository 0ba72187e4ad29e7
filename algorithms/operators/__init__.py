"""Matrix-free linear operators in every arithmetic context.

One protocol (:class:`LinearOperator`: ``shape``, ``apply(ctx, x)``, ``adjoint(ctx, v)``,
``norm_bound()``, ``A @ B``, ``A.H``) and the operators of the imaging experiments (SPEC.md
section 10): ``A = P_Omega U W^-1`` with

* :class:`Subsample` -- ``P_Omega``, rows of the identity;
* :class:`DFT2` -- the unitary 2-D DFT, :class:`WalshHadamard2` -- the orthonormal sequency-ordered
  2-D Walsh-Hadamard transform;
* :class:`Wavelet2D` -- orthonormal periodic 2-D wavelet synthesis (Haar, db2..db4), its adjoint
  the analysis (:func:`wavelet_analysis`);
* :class:`Dense` -- an explicit rational (or Gaussian rational) matrix.

``norm_bound`` is a proof, not an estimate: ``P_Omega`` has orthonormal rows, ``U`` is unitary,
``W^-1`` orthogonal, so each bound is 1 and the composition's bound (the product) is 1.
:func:`check_adjoint` and :func:`power_norm_estimate` are the public checkers.
"""

from __future__ import annotations

from algorithms.operators.base import (
    AdjointCheck,
    AdjointOperator,
    Composition,
    LinearOperator,
    check_adjoint,
    power_norm_estimate,
    to_dense,
)
from algorithms.operators.dense import Dense
from algorithms.operators.fourier import DFT2
from algorithms.operators.sampling import Subsample
from algorithms.operators.walsh import WalshHadamard2, sequency_permutation, walsh_matrix
from algorithms.operators.wavelets import Wavelet2D, daubechies_filter, wavelet_analysis

__all__ = [
    "LinearOperator",
    "Composition",
    "AdjointOperator",
    "AdjointCheck",
    "check_adjoint",
    "power_norm_estimate",
    "to_dense",
    "Dense",
    "Subsample",
    "DFT2",
    "WalshHadamard2",
    "sequency_permutation",
    "walsh_matrix",
    "Wavelet2D",
    "wavelet_analysis",
    "daubechies_filter",
]
