"""Certified rational access to exact problem data (the paper's training set iota_{A,S}).

Top-level names: :class:`Oracle`, :class:`AdversarialOracle`, :class:`Budget`,
:class:`ExactData`, :class:`CertifiedVector` (data defined by a rigorous ball evaluator),
:class:`ComplexAnswer` (what complex data are served as), data given by a formula over its
indices (:class:`DCT2`, :class:`DFT`, :class:`FormulaMatrix`, :class:`FormulaVector`, from
:mod:`oracle.formula`), :func:`certified_error`,
:func:`admissible`, :func:`to_sympy` (exact conversion of answers; ``sympy.Matrix(answer)``
would turn them into Floats) and the exceptions of :mod:`oracle.errors`.  Hypothesis
strategies live in :mod:`oracle.strategies`.
"""

from oracle.answers import ComplexAnswer
from oracle.certify import admissible, certified_error
from oracle.convert import to_sympy
from oracle.data import ExactData
from oracle.errors import (
    BudgetExceeded,
    InexactInput,
    InvalidArgument,
    InvalidType,
    LimitExceeded,
    NoMatrix,
    OracleError,
    PrecisionError,
    ReadOnlyAttribute,
)
from oracle.evaluators import CertifiedVector
from oracle.exact import as_exact, enclose
from oracle.formula import DCT2, DFT, Formula, FormulaMatrix, FormulaVector
from oracle.oracles import AdversarialOracle, BaseOracle, Budget, Oracle, ReadRecord

__all__ = [
    "AdversarialOracle",
    "BaseOracle",
    "Budget",
    "BudgetExceeded",
    "CertifiedVector",
    "ComplexAnswer",
    "DCT2",
    "DFT",
    "ExactData",
    "Formula",
    "FormulaMatrix",
    "FormulaVector",
    "InexactInput",
    "InvalidArgument",
    "InvalidType",
    "LimitExceeded",
    "NoMatrix",
    "Oracle",
    "OracleError",
    "PrecisionError",
    "ReadOnlyAttribute",
    "ReadRecord",
    "admissible",
    "as_exact",
    "certified_error",
    "enclose",
    "to_sympy",
]
