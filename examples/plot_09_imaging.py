"""
FIRENET on images: Fourier and Walsh sampling
=============================================

``y = P_Omega U W^-1 x + e``: a subsampled unitary 2-D DFT (MRI) or Walsh-Hadamard transform
composed with an orthonormal wavelet synthesis, multilevel (DAS) sampling, 2 % noise.
``||A|| <= 1`` is a proof (a subsampled unitary map times an orthonormal one), so FIRENET's
step sizes need no estimate.  Part (a): float64, error to the truth flattening at the noise
level while the error to the iteration's limit falls like ``e^-k``.  Part (b): an exactly
sparse image without noise in certified ball arithmetic, far below float64's floor.

``SMALL`` runs 64 x 64 Fourier-Haar and part (b) at 16 x 16, 128 bits, 60 restarts;
``python -m theorems imaging`` runs (a) at 256 x 256 (about 15 s) and (b) at 64 x 64, 256
bits, 150 restarts (about 2.5 min, certified error about 1e-65).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from theorems.imaging.harness import run_certified, run_float
from theorems.imaging.report import plot

SMALL = True
if SMALL:
    a = run_float(size=64, restarts=8, curve=16, extra=4, modalities=("fourier",),
                  wavelets=("haar",))
    b = run_certified(size=16, prec=128, restarts=60, per_level=(2, 2, 3), rate=0.5)
else:
    a, b = run_float(), run_certified()

# %%
# The figures the command line saves: part (a) ...
paths = plot(a, b, Path(tempfile.mkdtemp()) / "imaging.png")


def show(path):
    image = plt.imread(path)
    height, width = image.shape[:2]
    fig, ax = plt.subplots(figsize=(10, 10 * height / width))
    ax.imshow(image)
    ax.axis("off")
    fig.tight_layout()


show(paths[0])

# %%
# ... and part (b): the certified Ball error keeps falling where float64 stalls.
show(paths[-1])
