"""Deprecated path: this module moved to :mod:`theorems.paradox.report` (tables and JSON) and
:mod:`theorems.paradox.figure` (the figure); removed in 0.3."""

from algorithms._compat import moved

__getattr__ = moved(__name__, {
    "render": "theorems.paradox.report", "to_json": "theorems.paradox.report",
    "plot": "theorems.paradox.figure",
})
