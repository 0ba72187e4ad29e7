"""
The adversarial cover made visible
==================================

Two members of family I, ``j = 1`` and ``j = 2``, differ by ``eps = 2^-(n+1)`` in one entry
each, yet their solutions are about ``3 * 10^-K`` apart.  An
:class:`oracle.AdversarialOracle` serves each of them the *tie* member's answers whenever
those are provably admissible for it.  Up to level ``n`` that is always so: the two members
receive one and the same answer stream, so a consistent algorithm must return one network
for both, and it fails K digits on at least one of them.
"""

# %%
import matplotlib.pyplot as plt

from oracle import AdversarialOracle
from theorems.paradox import build_class

K, n = 3, 8
omega = build_class("P3", K)
tie = omega.tie("I")
members = [omega.member("I", j, n) for j in (1, 2)]
adversaries = [AdversarialOracle(m.oracle(), tie.oracle()) for m in members]

# %%
# Read ``A_k`` for k = 1 .. 16 from both adversaries and compare the answers exactly.
levels = list(range(1, 17))
same = []
for k in levels:
    a1, a2 = (adv.matrix(k) for adv in adversaries)
    same.append(bool((a1 == a2).all()))
print("identical answers at levels:", [k for k, s in zip(levels, same, strict=True) if s])

# %%
# The exact solutions are far apart although the data agree: ``distance`` certifies it.
from theorems.instances.distance import distance  # noqa: E402
from theorems.instances.solutions import solution_set  # noqa: E402

# a float counts as its exact binary value
x1 = [float(v) for v in solution_set(members[0]).vertices()[0]]
gap = distance(x1, members[1])
print(f"dist(solution of j=1, solution set of j=2) in [{float(gap.lower):.4e}, "
      f"{float(gap.upper):.4e}]; 2*10^-K = {2 * 10.0**-K:.1e}")

# %%
# The figure: green levels are where the two members cannot be told apart.
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.bar(levels, [1] * len(levels), color=["tab:green" if s else "tab:red" for s in same])
ax.axvline(n + 0.5, color="k", ls="--")
ax.text(n + 0.7, 0.5, f"n = {n}: eps = $2^{{-(n+1)}}$", va="center")
ax.set_yticks([])
ax.set_xlabel("level k of the read $A_k$")
ax.set_title("green: both members served the same answer (one stream, two truths)")
fig.tight_layout()
