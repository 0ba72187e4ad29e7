"""Regularisers with their proximal maps, and l1-analysis terms (see README.md)."""

from algorithms.proximal.analysis import (
    SQRT8_UP,
    AnalysisL1,
    ComplexGradient2D,
    FiniteDifferences2D,
    RealDomain,
    Scaled,
    Stack,
    clip,
)
from algorithms.proximal.base import Regulariser, Zero, check_prox
from algorithms.proximal.l1 import OrthonormalL1, WeightedL1
from algorithms.proximal.nuclear import NuclearNorm

__all__ = [
    "Regulariser",
    "Zero",
    "check_prox",
    "WeightedL1",
    "OrthonormalL1",
    "NuclearNorm",
    "AnalysisL1",
    "FiniteDifferences2D",
    "ComplexGradient2D",
    "RealDomain",
    "Stack",
    "Scaled",
    "clip",
    "SQRT8_UP",
]
