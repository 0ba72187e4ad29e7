"""Review of the sealed referee: hostile algorithms whose code runs outside ``train``.

The classes here are shipped BY VALUE (``cloudpickle.register_pickle_by_value``), as if written
in a notebook, so the sealed processes rebuild them without importing this file.
"""

import os
import sys

import cloudpickle
import pytest

from theorems.paradox.harness import challenge
from theorems.sealed import ChildStartError
from theorems.sealed.runner import pickle_algorithm, shared_runner

cloudpickle.register_pickle_by_value(sys.modules[__name__])

_FLAG = "SMALE18_REVIEW_ZYGOTE_ESCAPE"


class ZygoteHijacker:
    """Its unpickling (which runs in the zygote when the harness loads it) replaces the
    zygote's ``pickle.dumps`` so that the zygote's next reply to the PARENT carries an object
    whose ``__reduce__`` is ``exec``: decoded with a plain ``pickle.loads`` in the parent, it
    would run this code there, next to the exact data."""

    name = "ZygoteHijacker"

    def __init__(self, replies=("loaded", "forked", "killed"), code=None):
        self.replies = tuple(replies)  # the zygote replies to poison (a non-empty state, so
        self.code = code  # that unpickling calls __setstate__) and the code to run

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "theorems.sealed.zygote" not in sys.modules:
            return
        import pickle

        real = pickle.dumps
        code = self.code or f"import os; os.environ[{_FLAG!r}] = 'escaped'"
        replies = self.replies

        class Payload:
            def __reduce__(self):
                return (exec, (code,))

        def dumps(obj, *args, **kwargs):
            if isinstance(obj, tuple) and obj and obj[0] in replies:
                obj = obj + (Payload(),)
            return real(obj, *args, **kwargs)

        pickle.dumps = dumps

    def train(self, oracle):  # pragma: no cover - never reached
        raise RuntimeError("unreachable")


def test_a_hijacked_zygote_cannot_run_code_in_the_parent():
    """The zygote runs the algorithm's unpickling code, so its replies are as untrusted as a
    run's messages: the parent decodes them as plain data and refuses anything else."""
    os.environ.pop(_FLAG, None)
    runner = shared_runner()
    try:
        with pytest.raises(ChildStartError, match="not plain data"):
            runner.load(pickle_algorithm(ZygoteHijacker()))
        assert os.environ.get(_FLAG) is None
    finally:
        runner.close(forget=False)  # the hijacked zygote goes; the next use starts a fresh one
        os.environ.pop(_FLAG, None)


#: run in the parent, this would credit every algorithm with every digit: each certified
#: distance becomes [0, 0]
_CREDIT_ALL = ("import gmpy2, theorems.paradox.harness as h; "
               "from theorems.instances.distance import Enclosure; "
               "h.distance = (lambda E, q: lambda *a, **k: E(q(0), q(0)))(Enclosure, gmpy2.mpq)")


class ConstantHijacker(ZygoteHijacker):
    """A hijacker that returns a constant network (wrong on every member of part (a))."""

    name = "ConstantHijacker"

    def train(self, oracle):
        from algorithms.networks import NeuralNetwork

        m, N = oracle.shape
        return NeuralNetwork.constant([0] * N, m)


@pytest.mark.parametrize("replies", [("loaded",), ("forked",)])
def test_a_hijacked_zygote_is_never_credited(replies):
    """Poisoning the load reply or (later) the reply to a run's fork: ``challenge`` stops with
    ChildStartError; the parent's distance function is untouched, nobody is credited."""
    import theorems.paradox.harness as harness

    before = harness.distance
    try:
        with pytest.raises(ChildStartError, match="not plain data"):
            challenge(ConstantHijacker(replies, _CREDIT_ALL), "P3", 3, levels=(6,), draws=1,
                      budgets=(5,), randomized_levels=())
        assert harness.distance is before
    finally:
        harness.distance = before
        shared_runner().close(forget=False)


class Stall:
    """Returns a network of small message (one 60 x 60 matrix, sent once) that applies that
    matrix in 3000 layers: 1.1 * 10^7 entries per evaluation, which the parent would evaluate
    at every sample of every run."""

    name = "Stall"

    def train(self, oracle):
        import gmpy2

        from algorithms.layers import Block, Dense, Layer, RationalMatrix
        from algorithms.networks import NeuralNetwork

        m, N = oracle.shape
        width = 60
        W0 = RationalMatrix([[1] * m for _ in range(width)], "W0")
        S = RationalMatrix([[gmpy2.mpq(1, width)] * width for _ in range(width)], "S")
        WL = RationalMatrix([[0] * width for _ in range(N)], "WL")
        layers = [Layer((m,), [Block(width, terms=(Dense.of(0, W0),))], m)]
        layers += [Layer((width,), [Block(width, terms=(Dense.of(0, S),))], m)
                   for _ in range(3000)]
        layers.append(Layer((width,), [Block(N, terms=(Dense.of(0, WL),))], m))
        return NeuralNetwork(layers, input_size=m)


def test_a_network_too_costly_to_evaluate_is_refused_before_evaluation():
    """The parent counts what an evaluation would touch (shapes only) and refuses the network
    as "no answer" (with its digest kept for the consistency check) instead of stalling."""
    import time

    from theorems.paradox.harness import build_class
    from theorems.sealed import Limits
    from theorems.sealed.runner import network_cost

    assert Limits().network_entries == 10**7
    om = build_class("P3", 3)
    runner = shared_runner()
    handle = runner.load(pickle_algorithm(Stall()))
    try:
        started = time.perf_counter()
        out = runner.run(handle, om.tie("I").oracle(), None, Limits(seconds=30))
        assert time.perf_counter() - started < 20
    finally:
        runner.unload(handle)
    assert out.network is None
    assert out.no_answer == ("returned a network whose evaluation touches 10980363 matrix "
                             "entries, more than Limits.network_entries=10000000")
    assert out.transcript.end == "network" and len(out.transcript.output) == 32
    small = Stall().train(om.tie("I").oracle())
    assert network_cost(small) == 60 * 2 + 60 + 3000 * (60 * 60 + 60) + 3 * 60 + 3
    with pytest.raises(Exception, match="network_entries=0 must be > 0"):
        Limits(network_entries=0)


class FileCounter:
    """Keeps state between its sealed runs in a file (each run is a fresh fork, but the file
    system is shared): run number r returns the constant network r.  Identical transcripts
    (it reads nothing) with different networks: flagged, never credited."""

    name = "FileCounter"

    def __init__(self, path):
        self.path = path

    def train(self, oracle):
        import fcntl

        from algorithms.networks import NeuralNetwork

        with open(self.path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            count = len(fh.read())
            fh.write("x")
        m, N = oracle.shape
        return NeuralNetwork.constant([count] + [0] * (N - 1), m)


def test_state_kept_in_a_file_is_flagged_by_the_transcripts(tmp_path):
    from theorems.paradox.harness import run

    path = tmp_path / "count"
    res = run("P3", 3, panel=[FileCounter(str(path))], levels=(6,), draws=1, budgets=(5,),
              randomized_levels=())
    (s,) = res.algorithms
    runs = s.all_runs()
    assert path.read_text() == "x" * len(runs)  # every run read and wrote the file
    assert len({r.outputs for r in runs}) == len(runs)  # a different network each run
    assert not s.consistent and "identical transcripts (0 queries" in s.inconsistency
    assert s.verdict(3) is False and s.verdict(1) is False


class StopTheZygote:
    """Stops its parent process (the zygote) with SIGSTOP, then returns a constant network."""

    name = "StopTheZygote"

    def train(self, oracle):
        import os
        import signal

        from algorithms.networks import NeuralNetwork

        os.kill(os.getppid(), signal.SIGSTOP)
        m, N = oracle.shape
        return NeuralNetwork.constant([0] * N, m)


def test_a_stopped_zygote_is_an_error_not_a_hang(monkeypatch):
    """Before the review the parent waited for the zygote's next reply forever."""
    import time

    import theorems.sealed.runner as runner_module
    from algorithms.paradox_algorithms import Search
    from theorems.paradox.harness import build_class
    from theorems.sealed import Limits

    monkeypatch.setattr(runner_module, "ZYGOTE_REPLY_SECONDS", 1.0)
    om = build_class("P3", 3)
    runner = shared_runner()
    handle = runner.load(pickle_algorithm(StopTheZygote()))
    try:
        out = runner.run(handle, om.tie("I").oracle(), None, Limits(seconds=5))
        assert out.network is not None  # its own run is unaffected
        started = time.perf_counter()
        with pytest.raises(ChildStartError, match="did not reply within 1 s"):
            runner.load(pickle_algorithm(Search("P3", 1, 3)))
        assert time.perf_counter() - started < 5
    finally:
        runner.unload(handle)
    search = runner.load(pickle_algorithm(Search("P3", 1, 3)))  # a fresh zygote serves
    try:
        assert runner.run(search, om.member("II", 1, 6).oracle(), None, Limits(seconds=5)).network
    finally:
        runner.unload(search)


@pytest.mark.parametrize("field", ["seconds", "memory", "message_bytes", "network_entries"])
def test_limits_must_be_finite(field):
    """Before the review Limits(seconds=inf) or Limits(memory=inf) was accepted, and every
    sealed run then raised a bare OverflowError (int(inf)) from inside the runner."""
    from theorems.errors import InvalidArgument
    from theorems.sealed import Limits

    for bad in (float("inf"), float("nan"), 0, -1):
        with pytest.raises(InvalidArgument, match=f"{field}={bad!r} must be > 0 and finite"):
            Limits(**{field: bad})


class TunedToOne:
    """Reads A at the coarse level and returns the vertex network of switch column 1: a
    consistent guess tuned to member j = 1."""

    name = "TunedToOne"

    def __init__(self, problem, value, K):
        from algorithms.paradox_algorithms import Search

        self.helper = Search(problem, value, K)

    def train(self, oracle):
        from algorithms.paradox_algorithms import coarse_level

        st = self.helper._read(oracle, coarse_level(self.helper.knowledge.K))
        return self.helper.vertex_network(st, 0, {})


@pytest.mark.parametrize("problem, D", [("P1", "cayley"), ("P2", "dct"), ("P3", "identity")])
def test_correct_on_one_member_is_not_correct(problem, D):
    """Part (a) with N1 = 3: the tuned guess is certified correct to K digits on member 1 and
    certainly wrong on members 2 and 3, so its verdict is False, and it is consistent."""
    from theorems.paradox.harness import DEFAULT_VALUES, run

    K = 3
    res = run(problem, K, N=4, m=2, D=D, seed=5, panel=[TunedToOne(problem,
                                                                  DEFAULT_VALUES[problem], K)],
              levels=(6,), draws=1, budgets=(5,), randomized_levels=())
    (s,) = res.algorithms
    by_j = {r.j: r.digits(K) for r in s.runs_a[1:]}
    assert by_j == {1: True, 2: False, 3: False}
    assert s.consistent and s.failures_a(K) == 2 and s.verdict(K) is False
