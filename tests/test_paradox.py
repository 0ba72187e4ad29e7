"""The paradox harness measures the theorem's three claims, and its reports."""

import json

import gmpy2
import pytest

from algorithms.paradox_algorithms import Search
from theorems.cli import main
from theorems.paradox.figure import plot
from theorems.paradox.harness import challenge, run
from theorems.paradox.report import render, to_json

CASES = [(p, K) for K in (3, 4) for p in ("P1", "P2", "P3")]


@pytest.fixture(scope="module")
def results():
    return {
        (problem, K): run(problem, K, levels=(4, 40), randomized_seeds=4,
                          randomized_levels=(20, 80), draws=2, budgets=(5, 50))
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
    solver = {"P1": "WARPd", "P2": "FISTA", "P3": "FIRENET"}[problem]
    for name in ("Barycentre", "RandomVertex", solver):
        assert by_name[name].verdict(K - 1) is False
        assert by_name[name].max_samples_read <= 2
    assert res.budget_exceeded_on_tie
    # (c) Barycentre: K-2 digits everywhere from one read
    assert by_name["Barycentre"].verdict(K - 2) is True
    assert by_name["Barycentre"].max_samples_read == 1
    # every panel holds one multiprecision solver network, certified in Ball: K-2 digits on
    # all of Omega, K digits failed on >= N1 - 1 adversarial members, like the theorem's
    (solver,) = [s for s in res.algorithms if s.kind == "solver"]
    assert solver.name == {"P1": "WARPd", "P2": "FISTA", "P3": "FIRENET"}[problem]
    assert solver.verdict(K - 2) is True and solver.verdict(K) is False
    assert solver.failures_a(K) >= res.N1 - 1
    assert solver.arithmetics == ["Ball(256)"] and solver.max_depth > 3
    assert all(r.answered for r in solver.all_runs())
    # randomized: at each level n (fixed before the seeds), the success frequencies sum to at
    # most 1 + (N1 - 1) P(read deeper than n); reading no deeper than 80 is the rule
    (table,) = res.randomized
    assert table.name == "RandomVertex" and table.consistent
    for lv in table.levels:
        assert lv.total <= lv.bound and lv.no_answer == 0
    assert table.levels[0].deeper_fraction == 1  # the coarse level is deeper than 20
    # every run was sealed and answered
    assert res.sealed and all(r.answered for s in res.algorithms for r in s.all_runs()
                              if s.name != "Search")


class PeekingAlgorithm:
    """Cheats: reads what Barycentre reads, then decides from the exact data behind the oracle."""

    name = "Peek"

    def __init__(self):
        self.honest = Search("P3", 1, 3)

    def train(self, oracle):
        from algorithms.paradox_algorithms import _Stats

        st = _Stats.of(oracle.matrix(22))
        A = oracle.exact_data.A  # the sealed client has no such attribute
        row = [A[0, i] for i in range(st.N1)]
        j = max(range(st.N1), key=lambda i: row[i])
        return self.honest.vertex_network(st, j, {"peeked": True})


def test_a_cheating_algorithm_is_contained_when_sealed_and_flagged_in_process():
    sealed = challenge(PeekingAlgorithm(), "P3", 3, levels=(4,), draws=1, budgets=(5,))
    peek = next(s for s in sealed.algorithms if s.name == "Peek")
    assert all("AttributeError" in r.no_answer for r in peek.all_runs())
    assert peek.verdict(3) is False and peek.verdict(1) is False
    debug = challenge(PeekingAlgorithm(), "P3", 3, levels=(4,), draws=1, budgets=(5,),
                      isolation="none")
    peek = next(s for s in debug.algorithms if s.name == "Peek")
    assert not peek.consistent and "identical transcripts" in peek.inconsistency
    assert peek.verdict(3) is False
    assert next(s for s in debug.algorithms if s.name == "Search").consistent


def test_result_repr_summary_and_html(results):
    res = results[("P3", 3)]
    assert repr(res).startswith("<ParadoxResult P3, K=3") and len(repr(res)) < 200
    text = res.summary()
    assert "Search" in text and "randomized RandomVertex" in text and "isolation = process" in text
    assert "<table>" in res._repr_html_()


def test_summary_prints_to_a_given_console_not_stdout(results, capsys):
    import io

    from rich.console import Console

    res = results[("P3", 3)]
    buf = io.StringIO()
    text = res.summary(Console(file=buf, width=40))  # narrow: lines must not be re-wrapped
    assert capsys.readouterr().out == ""
    assert buf.getvalue().rstrip("\n") == text
    res.summary(True)
    assert capsys.readouterr().out.rstrip("\n") == text


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
    assert payload["isolation"] == "process" and payload["sealed"] is True
    rnd = payload["randomized"][0]
    assert {"name", "seeds", "levels"} <= set(rnd)
    row = rnd["levels"][0]
    assert {"n", "success", "success_wilson_95", "sum", "sum_standard_error",
            "read_deeper_than_n", "bound"} <= set(row)
    assert all(isinstance(p, str) for p in row["success"])
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


def test_json_of_all_problems_lists_a_solver_network_in_every_panel(results):
    """What ``paradox --problem all --json`` prints: one to_json per problem."""
    payload = json.loads(json.dumps([to_json(results[(p, 3)]) for p in ("P1", "P2", "P3")]))
    for panel, name in zip(payload, ("WARPd", "FISTA", "FIRENET"), strict=True):
        (solver,) = [a for a in panel["algorithms"]
                     if a["kind"] == "multiprecision solver network"]
        assert solver["name"] == name and solver["evaluated_in"] == ["Ball(256)"]
        assert solver["digits"]["K-2"] is True and solver["digits"]["K"] is False
        assert solver["fails_K_on_adversarial_members"] >= 1 and solver["network_depth"] > 3
        assert {a["kind"] for a in panel["algorithms"]} == {
            "the theorem's algorithm", "multiprecision solver network"}


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
