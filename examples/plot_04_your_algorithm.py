"""
Your own algorithm against the harness
======================================

An algorithm is any object with a ``name`` and ``train(oracle) -> NeuralNetwork``.
:func:`theorems.challenge` runs parts (a)-(c) on it, next to ``Search``, each ``train`` in a
sealed process that can only call ``oracle.matrix(n)``, ``oracle.sample(k, n)``,
``oracle.shape`` and ``oracle.num_samples``.  (``examples/byo_algorithm.py`` is the same
algorithm as a command-line script.)
"""

# %%
import gmpy2
import matplotlib.pyplot as plt

from algorithms import NeuralNetwork
from theorems import challenge


class ScaledAdjoint:
    """Read ONE matrix ``A_n``; return the one-layer network ``y -> A_n^T y / s`` with
    ``s = ||A_n||_F^2 / m`` (on Omega: about the barycentre of the vertex simplex)."""

    def __init__(self, level: int = 12) -> None:
        self.level = level
        self.name = f"ScaledAdjoint(level={level})"

    def train(self, oracle):
        A = oracle.matrix(self.level)  # exact gmpy2.mpq entries
        m, N = A.shape
        s = sum((a * a for a in A.flat), gmpy2.mpq(0)) / m
        M = [[A[r, c] / s for r in range(m)] for c in range(N)]  # N x m
        return NeuralNetwork.affine(M, name=self.name)


# %%
# The harness pickles the algorithm once (classes defined in a notebook travel by value)
# and runs every member in a fresh fork.
K = 3
result = challenge(ScaledAdjoint(), problem="P3", K=K, levels=(5, 10), draws=2)
result  # noqa: B018 (the gallery shows the result's short repr)

# %%
# What the report means: certified worst errors per family, the digit verdicts, how many
# adversarial members it fails at K digits, and whether its transcripts were consistent.
for s in result.algorithms:
    print(s.name, "| reads", s.max_samples_read, "| K-2:", s.verdict(K - 2),
          "| K:", s.verdict(K), "| fails K on", s.failures_a(K), "of", result.N1,
          "| consistent:", s.consistent)

# %%
# The figure: each member run's certified error against the samples it read.
fig, ax = plt.subplots(figsize=(6, 3.6))
for s, marker in zip(result.algorithms, "os", strict=False):
    runs = s.all_runs()
    ax.scatter([r.samples_read for r in runs], [float(r.error.upper) for r in runs],
               marker=marker, label=s.name, alpha=0.7)
for d in (K, K - 1, K - 2):
    ax.axhline(10.0**-d, color="k", lw=0.6, ls=":")
ax.set_xscale("symlog")
ax.set_yscale("log")
ax.set_xlabel("samples read")
ax.set_ylabel("certified error (upper end)")
ax.legend(fontsize=8)
fig.tight_layout()
