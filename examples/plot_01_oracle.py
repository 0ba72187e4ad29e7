"""
The oracle in five minutes
==========================

An algorithm never sees the exact problem.  It asks an :class:`oracle.Oracle` for
``A_n`` and ``y_(k,n)``: rational approximations with a *proven* error ``<= 2^-n`` in the
2-norm (the paper's training set ``iota_{A,S}``).  Every read is logged.
"""

# %%
# Exact data are SymPy expressions or rationals; floats are refused (``0.1`` is not one tenth).
import matplotlib.pyplot as plt
import sympy

from oracle import Budget, Oracle, certified_error

A = sympy.Matrix([[sympy.sqrt(2) * 10**3 / 3, 1], [0, sympy.pi]])
y = sympy.Matrix([1, sympy.E])
o = Oracle(A, [y], budget=Budget(max_level=64))

# %%
# One read: an object array of exact dyadic ``gmpy2.mpq``.
A10 = o.matrix(10)
print(A10)

# %%
# The promise ``||A_n - A||_2 <= 2^-n`` is a proof: ``certified_error`` bounds the error
# rigorously (ball arithmetic), and it is exactly 0 only for exact rational data.
levels = list(range(1, 41, 3))
bounds = [float(certified_error(o.matrix(n), A)) for n in levels]
for n, b in zip(levels[:4], bounds[:4], strict=True):
    print(f"n = {n:2d}: certified ||A_n - A||_2 <= {b:.3e}  (promise 2^-n = {2.0**-n:.3e})")

# %%
# What was read, at which level: the amount of training data the theorem counts.
print(o.explain())

# %%
# Asking beyond the budget is an error, not a silent best effort.
from oracle import BudgetExceeded  # noqa: E402

try:
    o.matrix(65)
except BudgetExceeded as err:
    print("BudgetExceeded:", err)

# %%
# The figure: the certified error of each read against the promise.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(levels, [2.0**-n for n in levels], "k--", label="promise $2^{-n}$")
ax.semilogy(levels, bounds, "o-", label="certified bound of $\\|A_n - A\\|_2$")
ax.set_xlabel("level n")
ax.set_ylabel("error")
ax.legend()
ax.set_title("Every answer carries its proof")
fig.tight_layout()
