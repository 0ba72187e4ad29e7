"""The imaging experiment: problems, a small end-to-end certified run, the CLI quick mode."""

from __future__ import annotations

import json

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import Ball, Exact, Float64
from algorithms.operators import power_norm_estimate
from theorems import cli
from theorems.imaging.harness import READ_LEVEL, fit_decay, run_certified, run_float
from theorems.imaging.phantoms import phantom
from theorems.imaging.problems import float_problem, read_float, sparse_problem

Q = gmpy2.mpq


def test_float_problem_has_the_requested_rate_noise_and_a_norm_one_operator() -> None:
    pb = float_problem("fourier", "db2", phantom("ellipses", 32), J=2, rate=0.25, noise=0.05,
                       seed=1)
    assert pb.op.norm_bound() == 1
    assert power_norm_estimate(pb.op, 50) <= 1 + 1e-9
    assert abs(pb.rate - 0.25) < 1 / 32**2
    clean = pb.op.apply(Float64(), pb.x)
    assert abs(pb.noise_norm / np.linalg.norm(clean) - 0.05) < 1e-12
    assert np.iscomplexobj(pb.y) and pb.weights.shape == (32 * 32,)
    assert pb.mask[0, 0]  # the coarsest level (here the centre) is fully sampled


@pytest.mark.parametrize("modality", ["fourier", "walsh"])
def test_part_a_data_reach_firenet_through_an_oracle(modality) -> None:
    """Part (a)'s noisy float64 data are served by a matrix-free oracle (as the exact dyadics
    they are); the answer at READ_LEVEL converts back to the very same floats, and the read is
    logged."""
    pb = float_problem(modality, "haar", phantom("ellipses", 16), J=2, rate=0.3, noise=0.02,
                       seed=3)
    assert pb.oracle is not None and not pb.oracle.has_matrix
    y = read_float(pb.oracle, READ_LEVEL)
    assert y.dtype == pb.y.dtype
    # each part of y_n is within 2^-80 of the float; where the float's spacing exceeds
    # 2 * 2^-80 (|value| >= 2^-26) rounding y_n to the nearest float gives it back exactly
    for got, want in ((y.real, pb.y.real), (y.imag, pb.y.imag)):
        big = np.abs(want) >= 2.0**-26
        assert np.array_equal(got[big], want[big])
        assert np.all(np.abs(got - want) <= 2.0**-(READ_LEVEL - 1))
    assert len(pb.oracle.reads) == 1


def test_sparse_problem_data_are_exact() -> None:
    w = sparse_problem("walsh", 16, 2, (2, 2, 3), rate=0.5, seed=2, prec=128)
    assert sum(1 for v in w.x if v != 0) == 7
    assert all(isinstance(v, type(Q(1))) for v in w.y)  # dyadic rationals, read exactly
    assert list(w.y) == list(Exact().to_rationals(w.op.apply(Exact(), Exact().vector(
        list(w.x)))))
    f = sparse_problem("fourier", 16, 2, (2, 2, 3), rate=0.5, seed=2, prec=128)
    assert Ball(128).is_complex(f.y) and Ball(128).radius(f.y) < Q(1, 2**120)


def test_small_end_to_end_certified_run_gets_below_float64() -> None:
    """16x16 Walsh-Haar, noise-free, exactly sparse: the certified distance to the exact image
    falls like e^-k and goes below what float64 reaches."""
    res = run_certified(size=16, prec=128, restarts=40, p_inner=10, per_level=(2, 2, 3),
                        rate=0.5, seed=0, modalities=("walsh",))
    (r,) = res.runs
    assert r.final < Q(1, 10**16) < min(r.float64) * 10
    assert all(b < Q(1, 2**100) for b in r.bounds)
    fitted = fit_decay(tuple(float(v) for v in r.certified), floor=0)
    assert fitted is not None and 0.3 < fitted < 0.42  # about e^-1 per restart
    # one line at a prompt, the report's table in a notebook
    line = repr(res)
    assert line.startswith("<CertifiedResult (b) Ball(128) 16x16, 40 restarts") and "\n" not in line
    assert "Walsh-Haar" in line and "Walsh-Haar" in res._repr_html_()


def test_float_result_shows_one_line_and_its_table() -> None:
    res = run_float(size=32, restarts=3, curve=4, extra=1, modalities=("walsh",),
                    wavelets=("haar",))
    line = repr(res)
    assert line.startswith("<FloatResult (a) float64 32x32 'ellipses': 1 problems, 3 restarts")
    assert "\n" not in line and "Walsh-Haar" in res._repr_html_()


def test_cli_quick_mode_json_and_figures(tmp_path, capsys) -> None:
    code = cli.main(["imaging", "--quick", "--json", "--out-dir", str(tmp_path)])
    assert code == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert {r["label"] for r in data["float64"]["runs"]} == {
        "Fourier-Haar", "Fourier-Db2", "Walsh-Haar", "Walsh-Db2"}
    assert len(data["certified"]["runs"]) == 2
    assert "imaging" in err and "done" in err
    assert (tmp_path / "imaging.png").exists() and (tmp_path / "imaging_certified.png").exists()


@pytest.mark.parametrize("argv", [["imaging", "--size", "100"], ["imaging", "--prec", "7"],
                                  ["imaging", "--part", "c"]])
def test_bad_values_exit_2(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_oracle_serves_the_samples_and_the_balls_contain_them() -> None:
    from oracle.errors import NoMatrix
    from theorems.imaging.problems import oracle_balls

    w = sparse_problem("walsh", 16, 2, (2, 2, 3), rate=0.5, seed=3, prec=128)
    with pytest.raises(NoMatrix):
        w.oracle.matrix(10)
    assert Ball(128).contains(oracle_balls(w.oracle.sample(0, 40), 40, 128), list(w.y))
    f = sparse_problem("fourier", 16, 2, (2, 2, 3), rate=0.5, seed=3, prec=300)
    balls = oracle_balls(f.oracle.sample(0, 200), 200, 300)
    exact_mid = f.y.mid()  # 300-bit enclosures of the exact samples, far narrower than 2^-200
    assert all(a.overlaps(b) for a, b in zip(balls.entries(), exact_mid.entries(), strict=True))
    assert Ball(300).radius(balls) < Q(1, 2**190)
