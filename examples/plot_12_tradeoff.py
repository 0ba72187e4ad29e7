"""
The stability-accuracy trade-off
================================

AUTOMAP-type and U-net reconstructions trained from data are accurate and unstable under
worst-case perturbations; FIRENET is stable with a certified Lipschitz bound; appending
FIRENET layers to AUTOMAP gives both.  This page runs the ``--quick`` configuration of
``python -m theorems tradeoff`` (32 x 32 images).  Training happens once; the weights are
cached (``$SMALE18_CACHE``, else ``~/.cache/smale18``), so later runs take seconds.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from theorems.tradeoff.harness import TradeoffConfig, run
from theorems.tradeoff.report import plot

result = run(TradeoffConfig.quick())

# %%
path = Path(tempfile.mkdtemp()) / "tradeoff.png"
plot(result, str(path))
fig, ax = plt.subplots(figsize=(8, 8))
ax.imshow(plt.imread(path))
ax.axis("off")
fig.tight_layout()
