"""
Property-based tests with ``oracle.strategies``
===============================================

``oracle.strategies`` holds Hypothesis strategies for exact reals, vectors, matrices, oracles
and levels (small by default, documented with their shrink order).  Below is a complete
pytest file a student can copy to ``test_my_oracle.py`` and run with ``pytest``; this page
writes it to a temporary folder, runs it, and plots what Hypothesis drew.
"""

# %%
import subprocess
import sys
import tempfile
from pathlib import Path

TEST_FILE = '''\
"""Properties of the oracle's promise, checked on data Hypothesis invents."""
import gmpy2
from hypothesis import given, settings

from oracle import Oracle, certified_error
from oracle.strategies import exact_matrices, levels, oracles


@settings(max_examples=5, deadline=None)
@given(exact_matrices(), levels(max_level=40))
def test_every_answer_keeps_the_promise(A, n):
    assert certified_error(Oracle(A).matrix(n), A) <= gmpy2.mpq(1, 2**n)


@settings(max_examples=5, deadline=None)
@given(oracles(), levels(max_level=30))
def test_answers_depend_only_on_the_level(o, n):
    assert (o.matrix(n) == o.fresh().matrix(n)).all()


@settings(max_examples=5, deadline=None)
@given(oracles(), levels(max_level=30))
def test_every_read_is_logged(o, n):
    before = len(o.reads)
    o.matrix(n)
    assert len(o.reads) == before + 1
'''

folder = Path(tempfile.mkdtemp())
(folder / "test_my_oracle.py").write_text(TEST_FILE)
done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       str(folder / "test_my_oracle.py")], capture_output=True, text=True,
                      cwd=folder)
print(done.stdout[-600:])

# %%
# What the strategies draw: levels and the certified error of the answer at that level.
import matplotlib.pyplot as plt  # noqa: E402
from hypothesis import given, settings  # noqa: E402

from oracle import certified_error  # noqa: E402
from oracle.strategies import exact_matrices, levels  # noqa: E402

drawn = []


@settings(max_examples=10, deadline=None, derandomize=True)
@given(exact_matrices(), levels(max_level=40))
def collect(A, n):
    from oracle import Oracle

    drawn.append((n, float(certified_error(Oracle(A).matrix(n), A))))


collect()
fig, ax = plt.subplots(figsize=(6, 3.5))
nonzero = [(n, e) for n, e in drawn if e > 0]
exact = len(drawn) - len(nonzero)  # rational data: the answer IS the data, error exactly 0
ax.semilogy([n for n, _ in nonzero], [e for _, e in nonzero], "o", alpha=0.6,
            label="certified error of a drawn case")
ax.semilogy(range(41), [2.0**-n for n in range(41)], "k--", label="promise $2^{-n}$")
ax.set_xlabel("level n (drawn)")
ax.set_ylabel("error")
ax.set_title(f"{len(drawn)} drawn cases ({exact} exact rational: error exactly 0, not shown)",
             fontsize=9)
ax.legend()
fig.tight_layout()
