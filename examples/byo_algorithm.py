"""Bring your own algorithm: run Theorem 1's experiments on an algorithm you wrote.

The protocol (the one place it is spelled out, with the README section "Bring your own
algorithm"):

* an **algorithm** is any object with a ``name`` (a string) and a method
  ``train(oracle) -> network``;
* ``train`` may learn about the problem ONLY through the ``oracle`` it is given:
  ``oracle.matrix(n)`` returns ``A_n`` and ``oracle.sample(k, n)`` returns ``y_(k,n)``, numpy
  object arrays of exact ``gmpy2.mpq`` with ``||A_n - A||_2 <= 2^-n`` and
  ``||y_(k,n) - y_k||_2 <= 2^-n``; ``oracle.shape`` is ``(m, N)`` and
  ``oracle.num_samples`` the number of samples.  Every read is logged (that is the "samples
  read" the theorem counts), and a budget may stop the algorithm with ``BudgetExceeded``;
* ``train`` returns an :class:`algorithms.NeuralNetwork` (layers of exact rational affine maps
  and named nonlinearities: ``NeuralNetwork.affine(M, offset)``, ``NeuralNetwork.dense(...)``,
  or a solver's unrolled network such as ``FIRENET``'s).  The harness evaluates it exactly or in
  certified ball arithmetic and certifies its distance to the exact solution set.  Anything
  else returned is refused with an error that names the algorithm and what it returned;
* the algorithm must be deterministic given what it read: the harness checks that identical
  answers give identical networks, and reports an algorithm that peeks elsewhere as
  inconsistent.

Run it with ``python examples/byo_algorithm.py`` (a few seconds).
"""

from __future__ import annotations

import gmpy2

from algorithms import NeuralNetwork
from theorems import challenge


class ScaledAdjoint:
    """Read ONE matrix ``A_n`` and return the one-layer network ``y -> A_n^T y / s`` with
    ``s = ||A_n||_F^2 / m``.

    On the paradox's class Omega (``A A^T = ||a||^2 I``) this is, for (P3), the barycentre of the
    vertex simplex: it should get K-2 digits everywhere, and, like every algorithm, fail K."""

    def __init__(self, level: int = 12) -> None:
        self.level = level
        self.name = f"ScaledAdjoint(level={level})"

    def train(self, oracle: object) -> NeuralNetwork:
        A = oracle.matrix(self.level)  # type: ignore[attr-defined]
        m, N = A.shape
        s = sum((a * a for a in A.flat), gmpy2.mpq(0)) / m
        M = [[A[r, c] / s for r in range(m)] for c in range(N)]  # N x m: A^T / s
        return NeuralNetwork.affine(M, name=self.name)


def main() -> None:
    K = 3
    result = challenge(ScaledAdjoint(), problem="P3", K=K, levels=(5, 10), draws=2)
    print(f"(P3) with K = {K}: N = {result.N}, m = {result.m}, "
          f"N1 = {result.N1} members per family")
    for s in result.algorithms:
        worst = {fam: s.worst_error(fam) for fam in ("I", "II")}
        shown = ", ".join(f"family {fam} <= {float(e.upper):.3g}"
                          for fam, e in worst.items() if e is not None)
        print(f"  {s.name:24s} reads <= {s.max_samples_read:3d}; worst error {shown}; "
              f"K digits: {s.verdict(K)}, K-1: {s.verdict(K - 1)}, K-2: {s.verdict(K - 2)}; "
              f"fails K on {s.failures_a(K)}/{result.N1} adversarial members; "
              f"consistent: {s.consistent}")


if __name__ == "__main__":
    main()
