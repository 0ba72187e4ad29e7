"""Holes found by an independent audit of the oracle (issue 11, point 5), one test per hole,
and the exact conversion ``to_sympy`` and ``python -m oracle --help`` (issue 12).

Every hole's test failed on the oracle before the fix: mutable answers, crashes on an exactly
zero error, powers of balls centred on zero, fakeable budgets and logs, answers that depended
on the order of reads, missing limits and unreadable messages.  Three parametrised cases
passed before and are kept as coverage: a cover whose answers are served (history cannot
change them), and ``np.bool_`` / ``np.float32`` entries (already refused).
"""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest
import sympy

from oracle import (
    AdversarialOracle,
    Budget,
    BudgetExceeded,
    InexactInput,
    InvalidArgument,
    InvalidType,
    Oracle,
    OracleError,
    admissible,
    certified_error,
    enclose,
    to_sympy,
)
from oracle.certify import spectral_norm_upper
from oracle.errors import LimitExceeded, ReadOnlyAttribute, short
from oracle.exact import MAX_BITS, arb_mid_mpq, arb_rad_mpq, as_exact

MPQ = gmpy2.mpq


@pytest.fixture
def problem():
    A = sympy.Matrix([[sympy.sqrt(2), sympy.pi, 1], [sympy.Rational(1, 3), sympy.E, -1]])
    ys = [sympy.Matrix([1, sympy.sqrt(3)]), sympy.Matrix([sympy.log(2), 0])]
    return A, ys


# ------------------------------------------------------------------ 1. immutable answers
def test_mutating_a_served_matrix_changes_no_later_read(problem):
    o = Oracle(*problem)
    a = o.matrix(5)
    before = a.tolist()
    bound = o.reads[0].bound
    a.flags.writeable = True  # allowed: the reader owns its copy
    a[0, 0] = MPQ(1000)
    assert o.matrix(5).tolist() == before
    assert o.fresh().matrix(5).tolist() == before
    assert all(r.bound == bound for r in o.reads)
    assert certified_error(o.matrix(5), problem[0]) <= MPQ(1, 2**5)


def test_no_writable_base_behind_a_served_sample(problem):
    o = Oracle(*problem)
    s = o.sample(0, 4)
    before = s.tolist()
    target = s if s.base is None else s.base
    target.flags.writeable = True
    target[1] = -7
    assert o.sample(0, 4).tolist() == before
    assert o.fresh().sample(0, 4).tolist() == before


def test_adversarial_oracle_does_not_hand_out_the_covers_array(problem):
    A, ys = problem
    tie = Oracle(A, ys)
    adv = AdversarialOracle((A, ys), tie)
    served = adv.matrix(3)
    assert adv.reads[-1].source == "cover"
    before = served.tolist()
    served.flags.writeable = True
    served[0, 0] = MPQ(-5)
    assert tie.matrix(3).tolist() == before
    assert adv.matrix(3).tolist() == before
    # and changing the cover's answer does not change the adversary's
    c = tie.matrix(3)
    c.flags.writeable = True
    c[1, 1] = MPQ(99)
    assert adv.matrix(3).tolist() == before


# ------------------------------------------------------------------ 2. zero error
RATIONAL = sympy.Matrix([[1, sympy.Rational(1, 2)], [3, -4]])


def test_certified_error_of_an_exact_answer_is_zero():
    assert certified_error(RATIONAL, RATIONAL) == 0
    assert certified_error([[1, MPQ(1, 2)], [3, -4]], RATIONAL) == 0
    assert certified_error([1, 2], sympy.Matrix([1, 2])) == 0
    assert spectral_norm_upper([MPQ(0)] * 4, (2, 2)) == 0


def test_admissible_and_adversary_on_identical_rational_data():
    assert admissible(RATIONAL, RATIONAL, 5)
    adv = AdversarialOracle((RATIONAL, []), Oracle(RATIONAL))
    assert adv.matrix(3).tolist() == [[1, MPQ(1, 2)], [3, -4]]
    assert adv.reads[-1].source == "cover" and adv.reads[-1].bound == 0


# ------------------------------------------------------------------ 3. balls centred on zero
# exactly 0, and its enclosure is centred exactly on 0 at every precision
ZERO_CENTRED = 4 * sympy.atan(1, evaluate=False) - sympy.pi


@pytest.mark.parametrize("power", [2, 3, sympy.Rational(4, 1)])
def test_integer_power_of_a_ball_centred_on_zero_is_served(power):
    expr = sympy.Pow(ZERO_CENTRED, power, evaluate=False)
    assert Oracle([[expr, 1]]).matrix(10).tolist() == [[0, 1]]
    ball = enclose(expr, 60)
    assert arb_mid_mpq(ball) - arb_rad_mpq(ball) <= 0 <= arb_mid_mpq(ball) + arb_rad_mpq(ball)
    assert arb_rad_mpq(ball) <= MPQ(1, 2**60)


# ------------------------------------------------------------------ 4. budgets and logs
def test_budget_tighten_ceiling_and_cover_are_read_only(problem):
    o = Oracle(*problem, budget=Budget(max_reads=1))
    for name, value in [("budget", Budget()), ("tighten", 0), ("ceiling", 10)]:
        with pytest.raises(ReadOnlyAttribute, match=f"{name} is read-only"):
            setattr(o, name, value)
    with pytest.raises(AttributeError):  # ReadOnlyAttribute is an AttributeError
        o.budget = Budget()
    assert o.budget == Budget(max_reads=1)
    adv = AdversarialOracle(problem, Oracle(*problem))
    with pytest.raises(ReadOnlyAttribute, match="cover"):
        adv.cover = Oracle(*problem)


def test_fresh_clones_report_to_the_parent_and_obey_its_budget(problem):
    o = Oracle(*problem, budget=Budget(max_reads=2))
    f = o.fresh()
    f.matrix(1)
    f.fresh().matrix(2)  # a clone of a clone reports all the way up
    assert o.samples_read == 2 and [r.n for r in o.reads] == [1, 2]
    assert f.samples_read == 2
    with pytest.raises(BudgetExceeded, match="max_reads=2"):
        o.fresh().matrix(3)
    with pytest.raises(BudgetExceeded, match="max_reads=1"):  # a tighter own budget
        g = o.fresh(Budget(max_reads=1))
        g.matrix(1)
        g.matrix(2)


def test_the_read_log_is_not_trivially_clearable(problem):
    o = Oracle(*problem)
    o.matrix(3)
    assert isinstance(o.reads, tuple)
    assert not hasattr(o, "_reads") and not hasattr(o, "_distinct")
    assert len(o.reads) == 1 and o.samples_read == 1


# ------------------------------------------------------------------ 5. history-independence
# -2^-12 - sqrt(2) 2^-200 lies just below the rounding boundary -2^-12 of grid 2^-11 (the grid
# of level 9 for 2 x 2, 1 x 2 and length-2 data): a 64-bit enclosure (whose midpoint is rounded
# toward 0, onto the boundary) cannot tell, a 300-bit one can.  The answer must not depend on
# which enclosure happens to be cached.
NEAR_TIE = -sympy.Rational(1, 2**12) - sympy.sqrt(2) / 2**200


@pytest.mark.parametrize("first", [[300], [400, 40], [12, 300, 11]])
def test_answer_at_a_level_does_not_depend_on_earlier_reads(first):
    A = sympy.Matrix([[NEAR_TIE, sympy.sqrt(2)], [sympy.pi, NEAR_TIE]])
    y = [sympy.Matrix([NEAR_TIE, sympy.E])]
    cold = Oracle(A, y)
    reference = {n: (cold.matrix(n).tolist(), cold.sample(0, n).tolist()) for n in (8, 9, 10)}
    warm = Oracle(A, y)
    for n in first:
        warm.matrix(n)
        warm.sample(0, n)
    for n in (8, 9, 10):
        assert (warm.matrix(n).tolist(), warm.sample(0, n).tolist()) == reference[n]


@pytest.mark.parametrize("cover", [[[0, 1]], [[1, 1]]])
def test_adversarial_answers_do_not_depend_on_earlier_reads(cover):
    A = sympy.Matrix([[NEAR_TIE, 1]])  # grid of level 9 is 2^-11
    one = AdversarialOracle((A, []), Oracle(cover))
    two = AdversarialOracle((A, []), Oracle(cover))
    two.exact_data.balls("A", 400)  # warm the truth's enclosures
    two.matrix(300)
    for n in (8, 9, 10, 11, 12):
        assert one.matrix(n).tolist() == two.matrix(n).tolist()
        assert one.reads[-1].source == two.reads[-1].source


# ------------------------------------------------------------------ 6. limits
def test_limits_on_levels_bits_ceiling_and_tighten(problem):
    A, ys = problem
    with pytest.raises(LimitExceeded, match="MAX_BITS"):
        Oracle(A, ys, ceiling=MAX_BITS + 1)
    with pytest.raises(LimitExceeded, match="tighten"):
        Oracle(A, ys, tighten=10**6)
    o = Oracle(A, ys, ceiling=MAX_BITS, tighten=8)
    with pytest.raises(BudgetExceeded, match="MAX_BITS") as info:
        o.matrix(MAX_BITS)
    assert info.value.limit == "ceiling" and o.reads == ()
    An = Oracle(A, ys).matrix(4)
    with pytest.raises(LimitExceeded, match="bits="):
        certified_error(An, A, bits=10**7)
    with pytest.raises(LimitExceeded, match="level="):
        admissible(An, A, 10**7)
    with pytest.raises(LimitExceeded, match="bits="):
        enclose(sympy.pi, 10**9)


# ------------------------------------------------------------------ 7. messages and types
def test_huge_values_in_messages_are_abbreviated(problem):
    o = Oracle(*problem)
    huge = 10**5000
    for call in (lambda: o.matrix(huge), lambda: o.sample(huge, 1), lambda: o.sample(0, -huge),
                 lambda: as_exact(sympy.Integer(huge) * sympy.I),
                 lambda: certified_error([[1]], [[1]], bits=huge),
                 lambda: enclose(1, -huge)):
        with pytest.raises(OracleError) as info:
            call()
        text = str(info.value)
        assert len(text) < 400 and ("5001 digits" in text or "too large to print" in text)
    assert short(-(10**5000)) == "-<integer of 16610 bits, about 5001 digits>"
    assert short("x" * 500).endswith("(500 characters)")


def test_sympy_exceptions_during_validation_become_named_errors():
    bad = sympy.Pow(sympy.Pow(0, -1, evaluate=False), 2, evaluate=False)  # is_real raises
    with pytest.raises(InvalidArgument, match=r"A\[0, 0\]"):
        Oracle([[bad]])


@pytest.mark.parametrize("value", [2.0, "7", None, True, np.float64(3)])
def test_bits_and_level_of_wrong_type_are_named_errors(problem, value):
    A, _ = problem
    An = Oracle(A).matrix(3)
    if value is not None:  # bits=None is certified_error's default
        with pytest.raises(InvalidType, match="bits=.* must be an integer"):
            certified_error(An, A, bits=value)
    with pytest.raises(InvalidType, match="level=.* must be an integer"):
        admissible(An, A, value)
    with pytest.raises(InvalidType, match="bits=.* must be an integer"):
        enclose(sympy.pi, value)


@pytest.mark.parametrize(
    "entry, error",
    [(gmpy2.mpfr(1.5), InexactInput), (True, InvalidType), (np.bool_(True), InvalidType),
     (sympy.Float(0.5), InexactInput), (np.float32(0.5), InexactInput)],
)
def test_mpfr_floats_and_bools_are_refused_everywhere(entry, error):
    with pytest.raises(error):
        certified_error([entry, 1], sympy.Matrix([1, 1]))
    with pytest.raises(error):
        Oracle([[entry, 1]])
    with pytest.raises(error):
        Oracle([[1]], [[entry]])


# ------------------------------------------------------------------ to_sympy and the command
def test_to_sympy_is_exact_where_sympy_matrix_is_not(problem):
    A, ys = problem
    o = Oracle(A, ys)
    An, yn = o.matrix(80), o.sample(0, 80)
    S = to_sympy(An)
    assert isinstance(S, sympy.MatrixBase) and S.shape == (2, 3)
    assert all(isinstance(v, sympy.Rational) for v in S)
    assert [[MPQ(int(v.p), int(v.q)) for v in S.row(i)] for i in range(2)] == An.tolist()
    assert to_sympy(yn).shape == (2, 1)
    assert list(to_sympy(yn)) == [sympy.Rational(int(v.numerator), int(v.denominator))
                                  for v in yn]
    assert to_sympy(MPQ(1, 3)) == sympy.Rational(1, 3)
    # the lossy route, as documented: SymPy makes Floats of mpq
    assert any(isinstance(v, sympy.Float) for v in sympy.Matrix(An))
    assert certified_error(to_sympy(An), A) <= MPQ(1, 2**80)


@pytest.mark.parametrize("bad, error", [([0.5], InexactInput), ([True], InvalidType),
                                        ([gmpy2.mpfr(1)], InexactInput), (["1/2"], InvalidType),
                                        (np.zeros((1, 1, 1), dtype=object), InvalidArgument)])
def test_to_sympy_refuses_inexact_or_odd_input(bad, error):
    with pytest.raises(error):
        to_sympy(bad)


def test_python_m_oracle_help_prints_usage_and_does_not_run_the_tour(capsys):
    from oracle.__main__ import main

    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: python -m oracle" in out and "--levels" in out
    assert "read log" in out and "level n = " not in out
    with pytest.raises(SystemExit) as info:
        main(["--levels", "-1"])
    assert info.value.code == 2
    assert "0..4096" in capsys.readouterr().err


def test_python_m_oracle_without_arguments_runs_the_tour():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "oracle"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert "level n = 100" in done.stdout and "samples_read = 6" in done.stdout
    done = subprocess.run([sys.executable, "-m", "oracle", "--levels", "2"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert "level n = 2" in done.stdout and "samples_read = 2" in done.stdout
