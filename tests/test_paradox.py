"""The paradox harness measures the theorem's three claims, and its reports."""

import json

import gmpy2
import pytest

from algorithms.paradox_algorithms import Search
from theorems.cli import main
from theorems.paradox.harness import challenge, run
from theorems.paradox.report import plot, render, to_json

CASES = [(p, K) for K in (3, 4) for p in ("P1", "P2", "P3")]


@pytest.fixture(scope="module")
def results():
    return {
        (problem, K): run(problem, K, levels=(4, 12), randomized_seeds=8, draws=3,
                          budgets=(5, 50))
        for problem, K in CASES
    }


@pytest.mark.parametrize("problem, K", CASES)
def test_the_three_claims_are_measured(results, problem, K):
    res = results[(problem, K)]
    K = res.K
    by_name = {s.name: s for s in res.algorithms}
    # (a) nobody gets K digits; every consistent algorithm fails on >= N1 - 1 adversarial members
    for s in res.algorithms:
        assert s.consistent
        assert s.verdict(K) is False
        members = s.runs_a[1:]
        assert len(members) == res.N1
        assert sum(1 for r in members if r.digits(K) is False) >= res.N1 - 1
        assert all(r.served_by_cover for r in members)
    # (b) Search gets K-1 digits with reads growing with n; bounded readers fail K-1
    assert by_name["Search"].verdict(K - 1) is True
    reads = [row["reads"] for row in res.search_reads]
    assert reads == sorted(reads) and reads[-1] > reads[0] + 5
    assert all(row["correct_K-1"] for row in res.search_reads)
    for name in ("Barycentre", "RandomVertex") + (("FIRENET",) if problem == "P3" else ()):
        assert by_name[name].verdict(K - 1) is False
        assert by_name[name].max_samples_read <= 2
    assert res.budget_exceeded_on_tie
    # (c) Barycentre: K-2 digits everywhere from one read
    assert by_name["Barycentre"].verdict(K - 2) is True
    assert by_name["Barycentre"].max_samples_read == 1
    if problem == "P3":
        assert by_name["FIRENET"].verdict(K - 2) is True
    # randomized: frequencies sum to at most about 1
    total = sum(res.randomized_success, gmpy2.mpq(0))
    assert total <= 1 + res.randomized_deeper


class PeekingAlgorithm:
    """Cheats: reads the exact data behind the oracle instead of the oracle's answers."""

    name = "Peek"

    def __init__(self):
        self.honest = Search("P3", 1, 3)

    def train(self, oracle):
        st = _stats(oracle.matrix(22))  # reads exactly what Barycentre reads ...
        data = oracle.exact_data  # ... but decides from the truth
        from theorems.paradox.harness import build_class

        om = build_class("P3", 3)
        for j in range(1, om.N1 + 1):
            for n in range(1, 40):
                if om.member("I", j, n).exact_data.A == data.A:
                    return self.honest.vertex_network(st, j - 1, {"peeked": True})
        return self.honest.barycentre_network(st, {})


def _stats(A):
    from algorithms.paradox_algorithms import _Stats

    return _Stats.of(A)


def test_a_cheating_algorithm_is_reported_inconsistent():
    res = challenge(PeekingAlgorithm(), "P3", 3, levels=(4,), draws=1, budgets=(5,))
    peek = next(s for s in res.algorithms if s.name == "Peek")
    assert not peek.consistent
    assert "identical answers" in peek.inconsistency
    assert next(s for s in res.algorithms if s.name == "Search").consistent


def test_cayley_class_gives_the_same_picture():
    res = run("P3", 3, D="cayley", seed=3, levels=(6,), randomized_seeds=4, draws=2,
              budgets=(5,), firenet=False)
    by_name = {s.name: s for s in res.algorithms}
    assert by_name["Search"].verdict(2) is True and by_name["Search"].verdict(3) is False
    assert by_name["Barycentre"].verdict(1) is True and by_name["Barycentre"].verdict(2) is False


def test_json_schema(results):
    payload = to_json(results[("P3", 3)])
    json.dumps(payload)
    assert {"problem", "K", "N", "m", "algorithms", "randomized", "search_reads",
            "budget_exceeded_on_tie"} <= set(payload)
    alg = payload["algorithms"][0]
    assert set(alg) >= {"name", "max_samples_read", "worst_error", "digits"}
    assert set(alg["worst_error"]) == {"I", "II"}
    lo, hi = alg["worst_error"]["I"]["lower"], alg["worst_error"]["I"]["upper"]
    assert isinstance(lo, str) and gmpy2.mpq(float(lo)) <= gmpy2.mpq(float(hi))
    assert set(alg["digits"]) == {"K", "K-1", "K-2"}
    rnd = payload["randomized"][0]
    assert {"name", "success", "sum"} <= set(rnd) and all(isinstance(p, str)
                                                          for p in rnd["success"])
    assert set(payload["search_reads"][0]) == {"n", "reads", "correct_K-1"}


def test_render_and_plot(results, tmp_path):
    from rich.console import Console

    console = Console(record=True, width=160)
    render(results[("P2", 4)], console)
    text = console.export_text()
    assert "Search" in text and "randomized" in text and "exceeded" in text
    path = plot(list(results.values()), str(tmp_path / "paradox.png"))
    assert (tmp_path / "paradox.png").stat().st_size > 10_000 and path.endswith(".png")


def test_cli_json(capsys):
    code = main(["paradox", "--problem", "P2", "--K", "3", "--levels", "4", "8", "--seeds", "3",
                 "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["problem"] == "P2" and payload["K"] == 3
    assert [row["n"] for row in payload["search_reads"]] == [4, 8]


def test_cli_refuses_bad_dimensions(capsys):
    assert main(["paradox", "--N", "3", "--m", "3"]) == 2
    with pytest.raises(SystemExit):
        main(["paradox", "--K", "0"])


def test_dct_class_uses_ball_inputs_and_keeps_the_picture():
    res = run("P2", 3, D="dct", N=4, m=3, levels=(6,), randomized_seeds=2, draws=1,
              budgets=(5,))
    by_name = {s.name: s for s in res.algorithms}
    assert by_name["Search"].verdict(2) is True and by_name["Search"].verdict(3) is False
    assert by_name["Barycentre"].verdict(1) is True and by_name["Barycentre"].verdict(2) is False
    # ball inputs: the enclosures are narrow but genuinely intervals
    err = by_name["Barycentre"].worst_error("II")
    assert 0 < err.upper - err.lower < gmpy2.mpq(1, 10**20)


def test_cli_reports_impossible_classes_without_a_traceback(capsys):
    # K = 1 makes family II's alpha = sqrt(2)/3 too small for lam = 1: no closed form
    assert main(["paradox", "--problem", "P2", "--K", "1"]) == 2
    err = capsys.readouterr().err
    assert "P2 needs y0 > lam/(2 a_j)" in err and "Traceback" not in err


def test_demo_prints_the_paradox_and_saves_the_figure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for problem in ("P1", "P2", "P3"):
        assert f"{problem}: the panel against Omega" in out
    assert (tmp_path / "paradox.png").stat().st_size > 10_000
