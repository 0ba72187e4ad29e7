"""``python -m theorems warpd``: WARPd measured (see README.md and harness.py)."""

from theorems.warpd.harness import WarpdResult, run

__all__ = ["WarpdResult", "run"]
