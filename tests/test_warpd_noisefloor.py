"""The noise floor of WARPd (theorems.warpd.noisefloor): the certified BPDN minimiser, the
quadratic growth along the data ball, and WARPd stalling at a floor that falls with C1."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from rich.console import Console

from theorems.warpd.noisefloor import (
    bpdn_instance,
    certify_bpdn,
    floor_sweep,
    run_floor,
    tangent_growth,
)


@pytest.fixture(scope="module")
def floor():
    return run_floor(quick=True)


def _float_data(inst):
    return inst.A.astype(float), inst.b.astype(float), float(inst.eps)


def test_certificate_satisfies_kkt_recomputed_in_float64(floor):
    """The certified point is a KKT point of BPDN, checked again with plain numpy."""
    c = floor.certificate
    assert c.valid and c.margin > 0 and c.radius < 1e-60 and c.min_abs > 0
    inst = bpdn_instance()
    A, b, eps = _float_data(inst)
    r = A @ c.x - b
    assert abs(np.linalg.norm(r) - eps) <= 1e-12 * eps          # constraint active
    z = -c.mu * (A.T @ r)
    S = list(c.support)
    assert np.allclose(z[S], c.signs, atol=1e-8)               # subgradient on the support
    off = np.delete(np.abs(z), S)
    assert off.max() <= 1 - c.margin + 1e-8 and off.max() < 1  # strictly inside off it
    assert np.all(np.sign(c.x[S]) == c.signs)


def test_certificate_beats_warpd_outputs_that_are_feasible(floor):
    """No feasible point WARPd produced has a smaller l1 norm than the certified minimiser
    (scaled into the ball when slightly outside it)."""
    inst = bpdn_instance()
    A, b, eps = _float_data(inst)
    best = np.abs(floor.certificate.x).sum()
    for run in floor.runs:
        err = run.errors[-1]
        assert err > 0
    sw = floor_sweep(inst, (10.0,), restarts=12)
    for x in sw[0][3]:
        if np.linalg.norm(A @ x - b) <= eps:
            assert np.abs(x).sum() >= best - 1e-12


def test_wrong_support_is_rejected_without_repairs():
    inst = bpdn_instance()
    c = certify_bpdn(inst, inst.x0, repairs=0)  # the noiseless support is not the minimiser's
    assert not c.valid
    with pytest.raises(ValueError, match="valid certificate"):
        tangent_growth(c, (3.0,))


def test_growth_is_quadratic_and_c_min_matches_the_formula(floor):
    g, c = floor.growth, floor.certificate
    assert abs(g.exponent - 2) < 1e-3
    xn = np.linalg.norm(c.x)
    # c_min -> max_t (t - C1 kappa t^2) / ||x|| = 1 / (4 C1 kappa ||x||) as C1 grows (the
    # maximiser t = 1 / (2 C1 kappa) moves to where the t^2 term is exact); the t grid's
    # ratio 2^(1/4) costs at most 1 %
    ratios = [cm * 4 * C1 * g.kappa * xn for C1, cm in sorted(g.c_min.items())]
    assert all(0.9 < q <= 1.0 + 1e-9 for q in ratios)
    assert all(1 - a >= 1 - b - 1e-3 for a, b in zip(ratios, ratios[1:], strict=False))
    assert ratios[-1] > 0.99
    assert all(gp < d for d, gp in zip(g.distance, g.gap, strict=True) if d < 1e-3)


def test_warpd_stalls_at_a_floor_that_falls_with_c1(floor):
    runs = floor.runs
    for r in runs:
        tail = np.array(r.errors[-5:])
        assert tail.max() <= tail.min() * 1.01          # stalled: flat over the last restarts
        assert r.floor > 1e-9                            # far above float64 resolution
        assert r.floor < floor.growth.c_min[r.C1]        # below the theorem's floor c_min
    floors = [r.floor for r in runs]
    assert all(a > 2 * b for a, b in zip(floors, floors[1:], strict=False))
    assert floor.floor_exponent is not None and floor.floor_exponent < -1


def test_report_and_json(floor):
    from theorems.warpd.harness import WarpdResult
    from theorems.warpd.report import render, to_json

    res = WarpdResult((), (), (), {}, True, 0.0, floor)
    js = json.loads(json.dumps(to_json(res)))
    nf = js["noise_floor"]
    assert nf["certificate"]["valid"] and len(nf["runs"]) == len(floor.runs)
    assert nf["growth"]["exponent"] == floor.growth.exponent and nf["tv"] is None
    buf = io.StringIO()
    render(res, Console(file=buf, width=200))
    out = buf.getvalue()
    assert "Noise floor" in out and "c_min" in out and "References" not in out


@pytest.mark.parametrize("kw, name", [({"m": 50, "N": 40}, "s < m < N"),
                                      ({"noise": 0.0}, "noise"), ({"s": 0}, "s=0")])
def test_bad_instance_arguments_name_the_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        bpdn_instance(**kw)


def test_bad_x_approx_is_refused():
    inst = bpdn_instance()
    with pytest.raises(ValueError, match="x_approx"):
        certify_bpdn(inst, np.zeros(3))


def test_tv_floor_measures_distances_to_the_admm_reference():
    from theorems.warpd.noisefloor import tv_floor

    runs, size, kkt = tv_floor((3.0,), n=32, restarts=4, reference_iterations=400)
    (r,) = runs
    assert size.startswith("32 x 32") and kkt > 0
    assert r.k == 1483 and r.iterations == tuple(r.k * (i + 1) for i in range(4))
    assert r.floor == r.errors[-1] and all(a > b for a, b in zip(r.errors, r.errors[1:],
                                                                     strict=False))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_instances_certify_and_grow_quadratically(seed):
    """Other seeds and sizes: the support guess is repaired when needed, the certificate
    holds and the growth along the data ball is quadratic (the claim needs |S| >= 2)."""
    inst = bpdn_instance(m=12, N=24, s=3, noise=0.05, seed=seed)
    (_, _, _, xs, _), = floor_sweep(inst, (100.0,), restarts=25)
    cert = certify_bpdn(inst, xs[-1])
    assert cert.valid and cert.margin > 0 and len(cert.support) >= 2
    g = tangent_growth(cert, (3.0, 30.0))
    assert abs(g.exponent - 2) < 1e-3 and g.c_min[3.0] > g.c_min[30.0] > 0


def test_full_mode_adds_the_tv_table(monkeypatch, floor):
    """``run_floor(full=True)`` runs :func:`tv_floor` (replaced here by a short real run) and
    the report shows its table and JSON."""
    import theorems.warpd.noisefloor as nf
    from theorems.warpd.harness import WarpdResult
    from theorems.warpd.report import render, to_json

    real = nf.tv_floor
    monkeypatch.setattr(nf, "tv_floor", lambda progress=None: real(
        (3.0,), restarts=2, reference_iterations=200, progress=progress))
    seen: list[str] = []
    res = nf.run_floor(quick=True, full=True, progress=seen.append)
    assert len(res.tv) == 1 and res.tv_size.startswith("32 x 32") and res.tv_reference_kkt > 0
    assert any("TV 32 x 32" in s for s in seen)
    js = to_json(WarpdResult((), (), (), {}, True, 0.0, res))["noise_floor"]["tv"]
    assert js["runs"][0]["floor"] == res.tv[0].floor
    buf = io.StringIO()
    render(WarpdResult((), (), (), {}, True, 0.0, res), Console(file=buf, width=200))
    assert "The same on TV" in buf.getvalue()
