"""
FIRENET past float64
====================

FIRENET (restarted primal-dual iterations, unrolled into a network) on exact data that is
sparse in levels.  In float64 its error stalls near 1e-15; the same iteration in certified
ball arithmetic at 256 bits keeps falling like ``e^-k`` with the restarts, and every point of
the Ball curve is a proven upper bound (the iteration is nonexpansive in the metric
``M = [[I/tau, -A^T], [-A, I/sigma]]``, so per-step rounding errors add up linearly).

``SMALL`` runs 70 restarts; ``python -m theorems convergence`` runs 200 at 128, 256 and 512
bits, plus the stability and sharpness experiments (about 40 s).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from theorems.convergence.harness import run
from theorems.convergence.report import plot

SMALL = True
result = run(n_outer=70 if SMALL else 200, p_inner=30, precisions=(256,),
             stability=False, sharpness=False, floors=False)
result  # noqa: B018 (the gallery shows the result's short repr)

# %%
# The figure the command line saves (``--plot FILE``), shown here.
path = Path(tempfile.mkdtemp()) / "convergence.png"
plot(result, str(path))
fig, ax = plt.subplots(figsize=(8, 5))
ax.imshow(plt.imread(path))
ax.axis("off")
fig.tight_layout()
