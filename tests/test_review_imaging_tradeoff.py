"""Review of theorems.tradeoff (library side): settings are refused by name when the object is
built, not minutes later inside training or FIRENET.  Each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from theorems.errors import InvalidArgument, InvalidType
from theorems.tradeoff.harness import (
    MethodRecord,
    TradeoffConfig,
    TradeoffResult,
    amplification_ratio,
)
from theorems.tradeoff.operator import FirenetImaging, FourierHaar


@pytest.mark.parametrize(("kw", "text"), [
    ({"tau": 1.0}, "tau=1.0"),            # before: accepted, FIRENET refused it after training
    ({"tau": float("nan")}, "tau=nan"),
    ({"levels": 9}, "levels=9"),          # before: "J=9 must be ..." from the sampling module
    ({"levels": 0}, "levels=0"),
    ({"rate": 0.001}, "rate=0.001"),      # before: "rate=0.001 gives m = ..." at run time
    ({"train_images": 0}, "train_images=0"),
    ({"batch_size": 2.5}, "batch_size=2.5"),
    ({"starts": 0}, "starts=0"),
    ({"lam": -1.0}, "lam=-1.0"),
    ({"noise": -0.1}, "noise=-0.1"),
    ({"seed": -1}, "seed=-1"),
])
def test_config_refuses_bad_settings_at_construction(kw, text):
    with pytest.raises(InvalidArgument, match=text):
        TradeoffConfig.quick(**kw)


def test_config_defaults_and_quick_are_unchanged_and_accept_numpy_values():
    assert TradeoffConfig().n == 64 and TradeoffConfig.quick().n == 32
    cfg = TradeoffConfig.quick(rate=np.float64(0.2), n_outer=np.int64(4))
    assert cfg.rate == 0.2 and cfg.n_outer == 4
    with pytest.raises(InvalidType, match="rate="):
        TradeoffConfig.quick(rate="0.2")


def test_fourier_haar_refuses_non_integer_levels():
    mask = np.ones((8, 8), dtype=bool)
    with pytest.raises(InvalidArgument, match="levels=1.5"):
        FourierHaar(mask, 1.5)   # before: accepted, range(1.5) failed on first use
    assert FourierHaar(mask, np.int64(2)).levels == 2


@pytest.mark.parametrize(("kw", "text"), [
    ({"tau": float("nan")}, "tau=nan"),   # before: NaN passed "tau sigma L^2 >= 1" silently
    ({"sigma": -0.5}, "sigma=-0.5"),      # before: a negative step was accepted
    ({"lam": -1.0}, "lam=-1.0"),
    ({"eps0": 0.0}, "eps0=0.0"),          # before: ZeroDivisionError in schedule()
    ({"n_outer": 2.5}, "n_outer=2.5"),
])
def test_firenet_imaging_refuses_bad_parameters(kw, text):
    args = dict(apply=lambda x: x, adjoint=lambda v: v, weights=np.ones(4), lam=0.1,
                n_outer=2, p_inner=2, tau=0.5, sigma=0.5)
    args.update(kw)
    with pytest.raises(InvalidArgument, match=text):
        FirenetImaging(**args)


def _result() -> TradeoffResult:
    def rec(name: str, amp: float) -> MethodRecord:
        return MethodRecord(name, 0.1, 20.0, {0.01: amp}, {0.01: 0.2}, 0.1, 0.9, True)

    return TradeoffResult(TradeoffConfig.quick(), (rec("AUTOMAP", 8.0), rec("FIRENET", 2.0)),
                          1.0, {"truth": np.zeros((32, 32))}, 100)


def test_result_lookup_names_the_missing_method_and_eta():
    r = _result()
    assert amplification_ratio(r, "AUTOMAP", "FIRENET") == 4.0
    with pytest.raises(InvalidArgument, match="name='U-net'"):
        r.record("U-net")           # before: a bare StopIteration
    with pytest.raises(InvalidArgument, match="eta=0.02"):
        amplification_ratio(r, "AUTOMAP", "FIRENET", 0.02)   # before: KeyError: 0.02


def test_result_repr_leaves_out_the_images():
    # before: the repr printed every image array of the run
    text = repr(_result())
    assert "truth" not in text and "array(" not in text and "records" in text


def test_fourier_haar_refuses_a_mask_that_is_not_zero_one():
    # before: a mask of 0.5s was read as "every sample", silently
    with pytest.raises(InvalidArgument, match="mask"):
        FourierHaar(np.full((8, 8), 0.5), 1)
    with pytest.raises(InvalidArgument, match="mask has shape"):
        FourierHaar(np.ones(8, dtype=bool), 1)
    a = FourierHaar(np.eye(8, dtype=int), 1)
    assert a.m == 8 and np.array_equal(a.mask, np.eye(8, dtype=bool))


@pytest.mark.parametrize("weights", [np.array([1.0, np.nan]), np.array([-1.0, 1.0]),
                                     np.ones((2, 2))])
def test_firenet_imaging_refuses_bad_weights(weights):
    # before: NaN or negative weights were accepted (a NaN threshold, an expanding "shrink")
    with pytest.raises(InvalidArgument, match="weights"):
        FirenetImaging(lambda x: x, lambda v: v, weights, 0.1, 2, 2, 0.5, 0.5)
