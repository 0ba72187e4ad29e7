"""
Table 1 and the published discrepancy
=====================================

Table 1 of the paper: LISTA and FIRENET trained on one member's inexact data, measured
against the other member's solution.  Every cell should lie between ``10^-K`` and
``10^-(K-1)``: K-1 digits, never K.  Here each distance is certified; the published set-up
built its instances in float64, so past ``n + 3.32 K ≈ 52`` its two members are
bit-identical (``replica``).  ``theorems/table1/TABLE1.md`` explains every difference.

``SMALL`` runs the ``tiny`` profile on part of the grid (about 40 s on a busy 2-core
machine); ``python -m theorems table1`` runs the whole grid (about 45 s), ``--full`` the
paper's 4000 epochs (about 25 minutes).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from theorems.table1.harness import run
from theorems.table1.report import plot

SMALL = True
if SMALL:
    result = run(profile="tiny", Ks=(1, 3), ns=(10, 20), beyond_Ks=(3,), beyond_ns=(60,))
else:
    result = run()
result  # noqa: B018 (the gallery shows the result's short repr)

# %%
# The tables the command prints (``result.summary()``; in a notebook the cell above shows
# them as HTML).
result.summary()

# %%
path = Path(tempfile.mkdtemp()) / "table1.png"
plot(result, str(path))
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(plt.imread(path))
ax.axis("off")
fig.tight_layout()
