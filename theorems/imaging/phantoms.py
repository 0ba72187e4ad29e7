"""Test images made here or shipped inside scikit-image: nothing is ever downloaded.

* :func:`ellipses`: a seeded random-ellipse phantom (sums of constant ellipses, optionally with
  a smooth texture), the training-and-test family of the imaging experiments;
* :func:`fine_detail`: a phantom with a small few-pixel feature (a dot pattern) that a
  reconstruction may or may not keep;
* :func:`shipped`: ``"shepp_logan"`` (``skimage.data.shepp_logan_phantom``) or ``"camera"``
  (``skimage.data.camera``), both files inside the scikit-image package, resized to ``n x n``.

Every image is a float64 ``n x n`` array with values in ``[0, 1]``, ``n`` a power of two from
8 to 1024.
"""

from __future__ import annotations

import numpy as np

from theorems.errors import InvalidArgument
from theorems.imaging.sampling import _integer, _real

__all__ = ["SHIPPED", "NAMES", "ellipses", "fine_detail", "shipped", "phantom", "detail_mask"]

SHIPPED = ("shepp_logan", "camera")
#: every name :func:`phantom` accepts
NAMES = ("ellipses", "textured", "detail", *SHIPPED)


def _side(n: object) -> int:
    ni = _integer(n)
    if ni is None or ni < 8 or ni > 1024 or ni & (ni - 1):
        raise InvalidArgument(f"n={n!r} must be a power of two between 8 and 1024")
    return ni


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    t = (np.arange(n) + 0.5) / n * 2 - 1  # pixel centres in (-1, 1)
    return np.meshgrid(t, t, indexing="ij")


def _normalise(img: np.ndarray) -> np.ndarray:
    img = img - img.min()
    top = img.max()
    return img / top if top > 0 else img


def ellipses(n: int, seed: int = 0, *, count: int = 8, texture: bool = False) -> np.ndarray:
    """A random-ellipse phantom: an outer ellipse and ``count`` inner ones with random centres,
    axes, angles and intensities (``np.random.default_rng(seed)``); with ``texture`` a smooth
    random modulation of amplitude 0.1 is added inside the outer ellipse."""
    n = _side(n)
    if _integer(count) is None or count < 0:
        raise InvalidArgument(f"count={count!r} must be a non-negative integer")
    if _integer(seed) is None or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an integer >= 0")
    rng = np.random.default_rng(seed)
    X, Y = _grid(n)
    img = np.zeros((n, n))
    outer = (X / 0.9) ** 2 + (Y / 0.75) ** 2 <= 1
    img[outer] = 0.3
    for _ in range(count):
        cx, cy = rng.uniform(-0.5, 0.5, size=2)
        a, b = rng.uniform(0.05, 0.35, size=2)
        phi = rng.uniform(0, np.pi)
        u = (X - cx) * np.cos(phi) + (Y - cy) * np.sin(phi)
        v = -(X - cx) * np.sin(phi) + (Y - cy) * np.cos(phi)
        inside = ((u / a) ** 2 + (v / b) ** 2 <= 1) & outer
        img[inside] += rng.uniform(-0.2, 0.5)
    if texture:
        fx, fy, px, py = rng.uniform(1, 4), rng.uniform(1, 4), *rng.uniform(0, 2 * np.pi, 2)
        img += 0.1 * outer * np.sin(np.pi * fx * X + px) * np.sin(np.pi * fy * Y + py)
    return _normalise(img)


def detail_mask(n: int, *, centre: tuple[float, float] = (0.25, -0.3)) -> np.ndarray:
    """Where :func:`fine_detail` puts its feature: a 3 x 3 checkerboard of single pixels
    (spacing 2) around ``centre`` (in the ``(-1, 1)^2`` frame), boolean ``n x n``."""
    n = _side(n)
    i0 = int((centre[0] + 1) / 2 * n)
    j0 = int((centre[1] + 1) / 2 * n)
    mask = np.zeros((n, n), dtype=bool)
    for di in (-2, 0, 2):
        for dj in (-2, 0, 2):
            if (di + dj) % 4 == 0:
                mask[(i0 + di) % n, (j0 + dj) % n] = True
    return mask


def fine_detail(n: int, seed: int = 0, *, strength: float = 0.5) -> np.ndarray:
    """:func:`ellipses` plus a small dot pattern (:func:`detail_mask`) of height ``strength``:
    a feature absent from the ellipse family, a few pixels wide; ``0 <= strength <= 1``."""
    if not 0 <= _real("strength", strength) <= 1:
        raise InvalidArgument(f"strength={strength!r} must be in [0, 1]")
    strength = float(strength)
    img = ellipses(n, seed) * (1 - strength)
    img[detail_mask(n)] += strength
    return np.clip(img, 0, 1)


def shipped(name: str, n: int) -> np.ndarray:
    """A test image shipped inside scikit-image, resized (anti-aliased) to ``n x n``."""
    n = _side(n)
    from skimage import data
    from skimage.transform import resize

    if name == "shepp_logan":
        img = data.shepp_logan_phantom()
    elif name == "camera":
        img = data.camera().astype(float)
    else:
        raise InvalidArgument(f"name={name!r} must be one of {SHIPPED}")
    return _normalise(resize(img, (n, n), anti_aliasing=True))


def phantom(name: str, n: int, seed: int = 0) -> np.ndarray:
    """Any test image by name: ``"ellipses"``, ``"textured"``, ``"detail"`` or a shipped one."""
    if name == "ellipses":
        return ellipses(n, seed)
    if name == "textured":
        return ellipses(n, seed, texture=True)
    if name == "detail":
        return fine_detail(n, seed)
    if name not in SHIPPED:
        raise InvalidArgument(f"name={name!r} must be one of {NAMES}")
    return shipped(name, n)
