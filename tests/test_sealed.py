"""Sealed runs: algorithms that cheat or misbehave are contained or flagged, never credited.

The cheaters below are defined in this module and shipped BY VALUE (as if written in a
notebook): ``cloudpickle.register_pickle_by_value`` makes the sealed child rebuild them without
importing this file.
"""

import pickle
import sys
from fractions import Fraction

import cloudpickle
import gmpy2
import numpy as np
import pytest

from algorithms.errors import InvalidArgument as AlgInvalidArgument
from algorithms.networks import NeuralNetwork
from algorithms.paradox_algorithms import Search, _Stats, certified_longest_column, coarse_level
from theorems.paradox.harness import DEFAULT_VALUES, build_class, challenge, run
from theorems.sealed import Limits, ProtocolError, Transcript, check, compare
from theorems.sealed.protocol import network_from_data, safe_loads
from theorems.sealed.runner import InProcessRunner, pickle_algorithm, shared_runner

cloudpickle.register_pickle_by_value(sys.modules[__name__])

LIMITS = Limits(seconds=0.25, memory=64 << 20)


def _exact_stats(data):
    """_Stats of an ExactData's matrix, its irrational entries rounded to 60 digits."""
    import numpy as np

    A = np.array([[gmpy2.mpq(Fraction(str(v.evalf(60)))) for v in row]
                  for row in data.A.tolist()], dtype=object)
    return _Stats.of(A)


class PeekNothing:
    """Reads nothing; picks the vertex from the exact data behind the oracle."""

    name = "PeekNothing"

    def __init__(self, problem, value, K):
        self.helper = Search(problem, value, K)

    def train(self, oracle):
        st = _exact_stats(oracle.exact_data)
        j = max(range(st.N1), key=lambda i: st.q[i])
        return self.helper.vertex_network(st, j, {})


class PeekLevel:
    """Peeks at the exact data to choose how deep to read, then reads honestly."""

    name = "PeekLevel"

    def __init__(self, problem, value, K):
        self.helper = Search(problem, value, K)

    def train(self, oracle):
        st = _exact_stats(oracle.exact_data)
        gap = max(st.q) - min(st.q)
        level = coarse_level(self.helper.knowledge.K)
        if gap:
            level = max(level, int(-gmpy2.log2(gmpy2.mpfr(gap))) + 40)
        st = _Stats.of(oracle.matrix(level))
        j = certified_longest_column(st, level)
        if j is None:
            return self.helper.barycentre_network(st, {})
        return self.helper.vertex_network(st, j, {})


class StackWalker:
    """Walks up the call stack looking for an oracle with exact data; else guesses vertex 1."""

    name = "StackWalker"

    def __init__(self, problem, value, K):
        self.helper = Search(problem, value, K)

    def train(self, oracle):
        st = _Stats.of(oracle.matrix(coarse_level(self.helper.knowledge.K)))
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                data = getattr(value, "exact_data", None)
                if data is not None:
                    exact = _exact_stats(data)
                    j = max(range(exact.N1), key=lambda i: exact.q[i])
                    return self.helper.vertex_network(st, j, {"found": True})
            frame = frame.f_back
        return self.helper.vertex_network(st, 0, {"found": False})


class Stateful:
    """Counts its runs in process-wide state (``builtins``): run r returns vertex
    (r - 2) mod N1, which is right on every member if the runs come in the order tie, j = 1,
    j = 2, ...  (A class attribute would not do: cloudpickle resets a class shipped by value
    each time it is unpickled.)"""

    name = "Stateful"

    def __init__(self, problem, value, K):
        self.helper = Search(problem, value, K)

    def train(self, oracle):
        import builtins

        counter = builtins.__dict__.setdefault("_smale18_test_runs", [0])
        counter[0] += 1
        st = _Stats.of(oracle.matrix(coarse_level(self.helper.knowledge.K)))
        return self.helper.vertex_network(st, (counter[0] - 2) % st.N1, {})


class Hang:
    """Never returns (asleep, so that the test burns no CPU while it waits for the limit)."""

    name = "Hang"

    def train(self, oracle):
        import time

        while True:
            time.sleep(1)


class Hog:
    """Allocates without bound."""

    name = "Hog"

    def train(self, oracle):
        hoard = []
        while True:
            hoard.append(bytearray(8 << 20))


def cheaters(problem, value, K):
    return [PeekNothing(problem, value, K), PeekLevel(problem, value, K),
            StackWalker(problem, value, K), Stateful(problem, value, K), Hang(), Hog()]


CASES = [(p, K) for K in (3, 4) for p in ("P1", "P2", "P3")]


@pytest.mark.parametrize("problem, K", CASES)
def test_cheaters_are_contained_or_flagged_and_never_credited(problem, K):
    value = DEFAULT_VALUES[problem]
    panel = cheaters(problem, value, K) + [Search(problem, value, K)]
    res = run(problem, K, panel=panel, levels=(6,), draws=1, budgets=(5,), firenet=False,
              limits=LIMITS)
    assert res.sealed and "NOT SEALED" not in res.summary()
    by = {s.name: s for s in res.algorithms}
    for s in res.algorithms:
        assert s.verdict(K) is False, s.name  # nobody is ever credited with K digits
        assert s.failures_a(K) >= res.N1 - 1, s.name
    for name in ("PeekNothing", "PeekLevel"):  # no exact data in the child: AttributeError
        for r in by[name].all_runs():
            assert "AttributeError" in r.no_answer and "exact_data" in r.no_answer
    walker = by["StackWalker"]  # nothing on the child's stack leads to the exact data
    assert walker.consistent and not walker.no_answers
    assert all(r.outputs == walker.runs_a[0].outputs for r in walker.runs_a)
    stateful = by["Stateful"]  # every run starts from the pristine pickle: no state to exploit
    assert stateful.consistent and not stateful.no_answers
    assert len({r.outputs for r in stateful.runs_a}) == 1
    assert all("time limit" in r.no_answer for r in by["Hang"].all_runs())
    assert all(r.no_answer for r in by["Hog"].all_runs())
    search = by["Search"]  # the honest deep reader is never flagged
    assert search.consistent and not search.no_answers and search.verdict(K - 1) is True


def test_in_process_debugging_mode_flags_the_cheaters():
    problem, K = "P3", 3
    value = DEFAULT_VALUES[problem]
    panel = cheaters(problem, value, K)[:4] + [Search(problem, value, K)]
    res = run(problem, K, panel=panel, levels=(6,), draws=1, budgets=(5,), firenet=False,
              isolation="none")
    assert not res.sealed and "NOT SEALED" in res.summary() and "NOT sealed" in repr(res)
    by = {s.name: s for s in res.algorithms}
    assert "identical transcripts (0 queries" in by["PeekNothing"].inconsistency
    assert "after 0 identical answers it asked" in by["PeekLevel"].inconsistency
    for name in ("PeekNothing", "PeekLevel", "StackWalker", "Stateful"):
        assert not by[name].consistent, name
        assert by[name].verdict(K) is False and by[name].verdict(K - 2) is False
    assert by["Search"].consistent


# ---------------------------------------------------------------- randomized, measured
class DeepGuesser:
    """A user's randomized algorithm: read at a random depth level + Exp(12), return the
    certified vertex if that depth resolves it, else a random vertex."""

    name = "DeepGuesser"
    randomized = True

    def __init__(self, problem, value, K):
        self.helper = Search(problem, value, K)

    def train(self, oracle, rng):
        depth = coarse_level(self.helper.knowledge.K) + int(rng.exponential(12))
        st = _Stats.of(oracle.matrix(depth))
        j = certified_longest_column(st, depth)
        if j is None:
            j = int(rng.integers(st.N1))
        return self.helper.vertex_network(st, j, {})


def test_randomized_user_algorithm_sums_fall_to_the_bound():
    res = challenge(DeepGuesser("P3", 1, 3), "P3", 3, levels=(6,), draws=1, budgets=(5,),
                    randomized_seeds=24, randomized_levels=(20, 80))
    (table,) = res.randomized
    assert table.name == "DeepGuesser" and table.consistent
    small, large = table.levels
    for lv in table.levels:
        assert lv.total <= lv.bound  # the theorem's bound, exactly (per seed, hence on average)
    assert small.total > 1 + 3 * small.standard_error  # reading deep beats 1 at small n
    assert float(large.total) <= 1 + 3 * large.standard_error + 1e-12
    assert small.deeper_fraction > large.deeper_fraction


# ---------------------------------------------------------------- the boundary itself
def test_messages_cannot_name_classes():
    assert safe_loads(pickle.dumps(("matrix", 5))) == ("matrix", 5)
    with pytest.raises(ProtocolError, match="only plain data"):
        safe_loads(pickle.dumps(Fraction(1, 3)))
    with pytest.raises(ProtocolError, match="not a pickle"):
        safe_loads(b"garbage")


def test_networks_travel_as_checked_data():
    om = build_class("P2", 3)
    net = Search("P2", 1, 3).train(om.member("II", 1, 5).oracle())
    data = net.to_data()
    back = NeuralNetwork.from_data(pickle.loads(pickle.dumps(data)))
    y = [gmpy2.mpq(1), gmpy2.mpq(2)]
    from algorithms.arithmetic import Exact

    assert list(back(y, Exact())) == list(net(y, Exact()))
    with pytest.raises(ProtocolError, match="output has length"):
        network_from_data(data, 2, 4)
    bad = dict(data, layers=[dict(data["layers"][0], in_sizes=[True])])
    with pytest.raises(ProtocolError, match=r"in_sizes\[0\]=True must be an int"):
        network_from_data(bad, 2, 3)
    with pytest.raises(AlgInvalidArgument, match="format="):
        NeuralNetwork.from_data(dict(data, format="other"))


def test_the_child_sees_only_the_client_and_limits_hold():
    om = build_class("P3", 3)
    runner = shared_runner()
    search = runner.load(pickle_algorithm(Search("P3", 1, 3)))
    peek = runner.load(pickle_algorithm(PeekNothing("P3", 1, 3)))
    try:
        out = runner.run(peek, om.tie("I").oracle(), None, LIMITS)
        assert out.network is None and out.no_answer == (
            "raised AttributeError: 'OracleClient' object has no attribute 'exact_data'")
        first = runner.run(search, om.member("II", 1, 8).oracle(), None, LIMITS)
        again = runner.run(search, om.member("II", 1, 8).oracle(), None, LIMITS)
        assert first.transcript == again.transcript and first.transcript.reads == 11
        assert compare(first.transcript, again.transcript) is None
    finally:
        runner.unload(search)
        runner.unload(peek)


def test_transcript_rules():
    q = [("matrix", None, 1), ("matrix", None, 2)]
    a = Transcript(((q[0], "x"),), "network", "net1")
    assert compare(a, Transcript(((q[0], "x"),), "network", "net2")).kind == "inconsistent"
    assert compare(a, Transcript(((q[1], "x"),), "network", "net1")).kind == "diverged"
    assert compare(a, Transcript(((q[0], "y"),), "network", "net2")) is None
    longer = Transcript(((q[0], "x"), (q[1], "z")), "network", "net1")
    assert compare(a, longer).kind == "diverged"  # stopped on one, asked again on the other
    killed = Transcript(((q[0], "x"),), "limit", "time")
    assert compare(killed, longer) is None
    empty = [Transcript((), "network", "n1"), Transcript((), "network", "n2")]
    assert [f.kind for f in check([("r1", empty[0]), ("r2", empty[1])])] == ["inconsistent"]


def test_isolation_argument_is_checked():
    with pytest.raises(ValueError, match="isolation='thread' must be one of"):
        run("P3", 3, isolation="thread")
    with pytest.raises(ValueError, match="seconds=0 must be > 0"):
        Limits(seconds=0)


def test_in_process_runner_gives_each_run_a_fresh_copy():
    om = build_class("P3", 3)
    runner = InProcessRunner()
    handle = runner.load(pickle_algorithm(Search("P3", 1, 3)))
    out = runner.run(handle, om.member("I", 1, 5).oracle(), None, LIMITS)
    assert out.network is not None and out.transcript.reads == 2


class GarbageCollectorScanner:
    """Counts every object in its process that could hold the truth (exact data, members,
    oracles, SymPy expressions) and returns the count as a constant network."""

    name = "GcScanner"

    def train(self, oracle):
        import gc

        suspects = {"ExactData", "Member", "Oracle", "AdversarialOracle", "Omega"}
        count = sum(1 for obj in gc.get_objects()
                    if type(obj).__name__ in suspects
                    or str(getattr(type(obj), "__module__", "")).startswith("sympy"))
        m, N = oracle.shape
        return NeuralNetwork.constant([count] + [0] * (N - 1), m)


def test_the_child_process_holds_no_exact_data_at_all():
    from algorithms.arithmetic import Exact

    om = build_class("P3", 3)
    blob = pickle_algorithm(GarbageCollectorScanner())
    counts = {}
    for name, runner in (("sealed", shared_runner()), ("none", InProcessRunner())):
        handle = runner.load(blob)
        out = runner.run(handle, om.tie("I").oracle(), None, Limits(seconds=20))
        runner.unload(handle)
        assert out.network is not None, out.no_answer
        counts[name] = out.network([0, 0], Exact())[0]
    assert counts["sealed"] == 0 and counts["none"] > 0


class Smuggler:
    """Writes a pickled object (not plain data) straight onto the client's socket."""

    name = "Smuggler"

    def train(self, oracle):
        import pickle as pk
        import time

        oracle._conn.send_bytes(pk.dumps(Fraction(1, 3)))
        time.sleep(5)


def test_a_message_that_names_a_class_is_a_protocol_violation():
    om = build_class("P3", 3)
    runner = shared_runner()
    handle = runner.load(pickle_algorithm(Smuggler()))
    try:
        out = runner.run(handle, om.tie("I").oracle(), None, LIMITS)
    finally:
        runner.unload(handle)
    assert out.network is None
    assert out.no_answer.startswith("protocol violation: message names fractions.Fraction")


class HangOnFamilyI:
    """Reads A_1; sleeps forever on family I (large entries), returns a constant otherwise."""

    name = "HangOnFamilyI"

    def train(self, oracle):
        import time

        if oracle.matrix(1)[0, 0] > 100:
            while True:
                time.sleep(1)
        m, N = oracle.shape
        return NeuralNetwork.constant([0] * N, m)


def test_batched_runs_get_fresh_copies_and_a_new_child_after_a_kill():
    om = build_class("P3", 3)
    runner = shared_runner()
    search = runner.load(pickle_algorithm(Search("P3", 1, 3)), batched=True)
    single = runner.load(pickle_algorithm(Search("P3", 1, 3)))
    hang = runner.load(pickle_algorithm(HangOnFamilyI()), batched=True)
    try:
        oracles = [om.member("II", 1, n).oracle() for n in (3, 6, 9)]
        batched = runner.run_many([(search, o, None) for o in oracles], LIMITS)
        forked = runner.run_many([(single, o, None) for o in oracles], LIMITS)
        assert [o.transcript for o in batched] == [o.transcript for o in forked]
        assert [o.transcript.reads for o in batched] == [6, 9, 12]
        outs = runner.run_many([(hang, om.tie("I").oracle(), None),
                                (hang, om.tie("II").oracle(), None)], LIMITS)
        assert "time limit" in outs[0].no_answer and outs[1].network is not None
    finally:
        for h in (search, single, hang):
            runner.unload(h)


def test_complex_answers_cross_the_boundary_exactly():
    """A ComplexAnswer (complex oracle data) is sent as plain rationals and rebuilt read-only
    in the child; a real answer keeps its old encoding."""
    from oracle import ComplexAnswer
    from theorems.sealed.protocol import answer_digest, decode_answer, encode_answer

    re = np.array([gmpy2.mpq(1, 2), gmpy2.mpq(-3, 4)], dtype=object)
    im = np.array([gmpy2.mpq(0), gmpy2.mpq(5, 8)], dtype=object)
    data = encode_answer(ComplexAnswer(re, im))
    back = decode_answer(data)
    assert isinstance(back, ComplexAnswer)
    assert list(back.real) == list(re) and list(back.imag) == list(im)
    assert not back.real.flags.writeable and not back.imag.flags.writeable
    assert answer_digest(data) == answer_digest(encode_answer(back))
    real = decode_answer(encode_answer(re))
    assert isinstance(real, np.ndarray) and list(real) == list(re)


def test_client_levels_take_every_integral_type_like_the_oracle():
    """The sealed client accepts the integers the oracle accepts (mpz, sympy.Integer, numpy)
    and refuses bool and floats with the oracle's InvalidType."""
    import sympy

    from oracle.errors import InvalidType
    from theorems.sealed.client import _int

    for v in (3, np.int64(3), np.uint8(3), gmpy2.mpz(3), sympy.Integer(3)):
        assert _int(v, "n") == 3 and type(_int(v, "n")) is int
    for bad in (True, np.bool_(True), 3.0, "3", None, gmpy2.mpq(3)):
        with pytest.raises(InvalidType, match="n="):
            _int(bad, "n")
