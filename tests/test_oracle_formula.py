"""Exact formulas compiled into one shared DAG (oracle.exact.Program) and the fast rounding.

The fast construction path (issue 13) must change no number: the shared program gives the
same balls as compiling each entry on its own, the integer rounding gives the same values and
bounds as the entrywise rational computation, and validation gives the same verdicts.
"""

from __future__ import annotations

import gc

import gmpy2
import numpy as np
import pytest
import sympy
from flint import arb

from oracle import (
    ExactData,
    InexactInput,
    InvalidArgument,
    Oracle,
    PrecisionError,
    certified_error,
)
from oracle.certify import certified_approximation, grid_exponent, sqrt_upper
from oracle.exact import (
    Program,
    arb_mid_mpq,
    arb_rad_mpq,
    compile_expr,
    enclose_many,
    flint_precision,
)

MPQ = gmpy2.mpq


def dct(N: int) -> sympy.Matrix:
    """The orthonormal N x N DCT-II."""
    return sympy.Matrix(N, N, lambda k, i: sympy.sqrt(sympy.Rational(1 if k == 0 else 2, N))
                        * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * N)))


MIXED = [
    sympy.sqrt(2) * 10**3 / 3, sympy.pi * 10**40, sympy.exp(sympy.Rational(1, 3)),
    sympy.log(7) - sympy.sqrt(3), sympy.Rational(-5, 7), sympy.Integer(0),
    sympy.cos(sympy.pi / 9) ** 3, 1 / (sympy.E + sympy.pi), sympy.pi ** sympy.sqrt(2),
    sympy.Integer(2) ** sympy.Rational(-3, 5), sympy.atan(sympy.Rational(1, 5)) * 16,
    sympy.sqrt(2) * 10**3 / 3,  # a repeat: one node, one ball
]


def same_ball(x: arb, y: arb) -> bool:
    return x.mid().man_exp() == y.mid().man_exp() and x.rad().man_exp() == y.rad().man_exp()


def test_shared_program_has_one_node_per_distinct_subexpression():
    entries = list(dct(16))
    program = Program()
    nodes = [program.add(e) for e in entries]
    assert len(set(nodes)) == len(set(entries)) < len(entries)
    distinct_subexpressions = {s for e in entries for s in sympy.preorder_traversal(e)}
    assert len(program) == len(distinct_subexpressions)
    assert program.add(entries[5]) == nodes[5]  # adding again compiles nothing
    assert len(program) == len(distinct_subexpressions)


@pytest.mark.parametrize("prec", [64, 141, 1000])
def test_program_values_equal_independent_compilation(prec):
    entries = list(dct(8)) + MIXED
    program = Program()
    nodes = [program.add(e) for e in entries]
    program.evaluate(nodes[:7], 333)  # other work in the cache changes nothing
    shared = program.evaluate(nodes, prec)
    with flint_precision(prec):
        alone = [compile_expr(e)() for e in entries]
    assert all(same_ball(x, y) for x, y in zip(shared, alone, strict=True))


@pytest.mark.parametrize("bits", [5, 80, 300])
def test_exact_data_balls_equal_enclose_many(bits):
    data = ExactData([MIXED[:6], MIXED[6:]], [MIXED[:2]])
    for which, entries in (("A", MIXED), (0, MIXED[:2])):
        reference = enclose_many([compile_expr(e) for e in entries], bits)
        got = data.balls(which, bits)
        assert all(same_ball(x, y) for x, y in zip(got, reference, strict=True))
        got[0] = None  # a copy: the cache is untouched
        assert data.balls(which, bits)[0] is not None


def reference_approximation(data: ExactData, which: object, target: int, count: int):
    """The rounding of the certificate, entry by entry in exact rationals."""
    g = grid_exponent(count, target)
    values, total = [], MPQ(0)
    for ball in data.balls(which, g + 1):
        mid, rad = arb_mid_mpq(ball), arb_rad_mpq(ball)
        scaled = mid * (gmpy2.mpz(1) << g)
        q = MPQ((2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator),
                gmpy2.mpz(1) << g)
        err = abs(q - mid) + rad
        total += err * err
        values.append(q)
    return values, sqrt_upper(total)


@pytest.mark.parametrize("target", [0, 3, 17, 100, 400])
def test_integer_rounding_equals_the_rational_computation(target):
    A = [MIXED[:6], MIXED[6:]]
    data = ExactData(A, [MIXED[:2]])
    for which, shape in (("A", (2, 6)), (0, (2,))):
        cert = certified_approximation(data, which, target, shape)
        values, bound = reference_approximation(data, which, target, int(np.prod(shape)))
        assert list(cert.values.flatten()) == values
        assert cert.bound == bound <= MPQ(1, 2**target)
        assert not cert.values.flags.writeable and cert.values.base is None


def test_dct_oracle_is_certified_and_dyadic():
    A = dct(32)
    An = Oracle(A).matrix(60)
    assert all(int(q.denominator) & (int(q.denominator) - 1) == 0 for q in An.flatten())
    assert certified_error(An, A) <= MPQ(1, 2**60)


@pytest.mark.parametrize(
    "entry, error, message",
    [
        (sympy.Pow(-2, sympy.Rational(1, 2), evaluate=False), InvalidArgument, "not real"),
        (sympy.asin(2), InvalidArgument, "not real"),
        (sympy.log(-1), InvalidArgument, "not real"),
        (sympy.I + 1, InvalidArgument, "not real"),
        (sympy.gamma(sympy.Rational(1, 3)), InvalidArgument, "gamma"),
        (sympy.sqrt(2) * sympy.Float(0.5), InexactInput, "is a float"),
        (sympy.Symbol("t") + 1, InvalidArgument, "free symbols"),
        (sympy.zoo, InvalidArgument, r"A\[0, 1\]"),
    ],
)
def test_validation_verdicts_and_messages(entry, error, message):
    with pytest.raises(error, match=message):
        ExactData([[1, entry]])


def test_an_undefined_entry_that_sympy_may_call_real_is_never_served():
    # 0*(1/0) has no finite ball, so SymPy is asked; its verdict on this tree depends on the
    # hash seed (it says "real" or raises InconsistentAssumptions), so the entry is refused
    # either at construction (InvalidArgument) or when served (PrecisionError)
    odd = sympy.Mul(sympy.Pow(0, -1, evaluate=False), 0, evaluate=False)
    with pytest.raises((InvalidArgument, PrecisionError)):
        Oracle([[odd]]).matrix(1)


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        o = Oracle(dct(4), [[1, 2, 3, sympy.pi]])
        o.matrix(30)
        o.sample(0, 30)
        assert gc.isenabled() is enabled
        with pytest.raises(InvalidArgument):
            ExactData([[sympy.I]])
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_with_matrix_compiles_into_the_shared_program():
    base = ExactData(dct(8), [list(dct(8).col(0))])
    size = len(base._program)
    B = dct(8) * 2
    other = base.with_matrix(B)
    assert other._program is base._program and other.samples is base.samples
    grown = len(base._program)
    assert grown > size  # new nodes (the doubled entries) were added ...
    again = base.with_matrix(B)
    assert len(base._program) == grown  # ... once
    assert again.A == sympy.ImmutableMatrix(B) and again.exact_entries("A") == list(B)
    assert Oracle(again).matrix(20).tolist() == Oracle(ExactData(B)).matrix(20).tolist()


def test_python_flint_exceptions_become_refusals_not_crashes():
    # root(10**30) does not fit python-flint's machine word: served through exp(log(2)/10**30)
    tiny_root = sympy.Pow(2, sympy.Rational(1, 10**30), evaluate=False)
    assert Oracle([[tiny_root]]).matrix(10).tolist() == [[1]]
    with pytest.raises(PrecisionError):  # 0^(10^-30) has no finite ball: refused when served
        Oracle([[sympy.Pow(0, sympy.Rational(1, 10**30), evaluate=False)]]).matrix(1)
