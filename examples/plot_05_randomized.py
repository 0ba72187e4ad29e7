"""
Randomized algorithms and the sum of success probabilities
==========================================================

A randomized algorithm is a family of deterministic ones indexed by a seed.  For a level
``n`` fixed before any seed is drawn, every seed runs on every family-I member through
oracles that serve the tie member's answers up to level ``n``.  A seed that reads no deeper
than ``n`` sees identical answers on all members, so it succeeds on at most one of them:

``sum_j P(success on j) <= 1 + (N1 - 1) P(read deeper than n)``.

The built-in ``RandomVertex`` reads at a random depth; its sum falls to 1 as n grows.
"""

# %%
import matplotlib.pyplot as plt

from algorithms.paradox_algorithms import RandomVertex
from theorems.paradox import run
from theorems.paradox.harness import DEFAULT_VALUES

K = 3
guesser = RandomVertex("P3", DEFAULT_VALUES["P3"], K)
result = run("P3", K, panel=[guesser], levels=(5,), randomized_seeds=30,
             randomized_levels=(5, 10, 20, 40), draws=1)
table = result.randomized[0]
for lv in table.levels:
    print(f"n = {lv.n:2d}: frequencies {[round(float(f), 3) for f in lv.frequencies]}, "
          f"sum {float(lv.total):.3f}, bound {float(lv.bound):.3f}")

# %%
# The figure: the measured sum against the proven bound.
ns = [lv.n for lv in table.levels]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ns, [float(lv.total) for lv in table.levels], "o-", label="measured sum of frequencies")
ax.plot(ns, [float(lv.bound) for lv in table.levels], "k--", label="bound 1 + (N1-1) P(deeper)")
ax.axhline(1, color="grey", lw=0.6)
ax.set_xlabel("level n of the adversary")
ax.set_ylabel("sum over members")
ax.legend()
fig.tight_layout()
