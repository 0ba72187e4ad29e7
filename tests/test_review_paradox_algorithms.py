"""Review of the theorem's algorithms: arguments of every numeric type the docs allow."""

from fractions import Fraction

import gmpy2
import numpy as np
import pytest

from algorithms.errors import InvalidArgument, InvalidType
from algorithms.paradox_algorithms import RandomVertex


@pytest.mark.parametrize("scale, want", [
    (12, 12), (12.5, 12.5), (np.int64(12), 12.0), (np.float32(0.5), 0.5),
    (Fraction(1, 2), 0.5), (gmpy2.mpq(3), 3.0), (gmpy2.mpz(0), 0.0)])
def test_random_vertex_depth_scale_takes_every_real_type(scale, want):
    """Before the review np.int64(12), Fraction(1, 2) and gmpy2.mpq(3) were refused as 'not a
    number'.  Equal scales give equal depths for one seed."""
    alg = RandomVertex("P3", 1, 3, depth_scale=scale)
    assert alg.depth_scale == want
    ref = RandomVertex("P3", 1, 3, depth_scale=float(want))
    depths = [alg.depth(np.random.default_rng(s)) for s in range(20)]
    assert depths == [ref.depth(np.random.default_rng(s)) for s in range(20)]
    assert all(d >= alg.level for d in depths)


@pytest.mark.parametrize("scale, error", [
    ("12", InvalidType), (True, InvalidType), (np.bool_(True), InvalidType), (None, InvalidType),
    (-1, InvalidArgument), (float("nan"), InvalidArgument), (10_001, InvalidArgument),
    (float("inf"), InvalidArgument)])
def test_random_vertex_depth_scale_refusals_name_it(scale, error):
    with pytest.raises(error, match="depth_scale="):
        RandomVertex("P3", 1, 3, depth_scale=scale)
