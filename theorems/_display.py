"""How an experiment's result shows itself at a Python prompt or in a notebook.

:class:`Displayable` gives a result record a one-line ``__repr__`` (the record's own
:meth:`Displayable._headline`), ``summary()`` (prints the report's tables, as the command line
does) and ``_repr_html_`` (the same tables as HTML for Jupyter).

A harness never imports its report (the report imports the harness's records).  The record
names its report module as a string in ``_report_module`` and this mixin imports it only when
``summary()`` or ``_repr_html_()`` is called, so records stay free of formatting code and no
import cycle exists.  The dataclass must be declared with ``repr=False`` so that the mixin's
``__repr__`` is used.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

__all__ = ["Displayable"]


class Displayable:
    """Mixin for result records: short ``__repr__``, ``summary()``, ``_repr_html_()``."""

    #: module with ``render(result, console)`` (e.g. ``"theorems.table1.report"``)
    _report_module: ClassVar[str] = ""

    def _headline(self) -> str:  # pragma: no cover - every record overrides it
        return ""

    def __repr__(self) -> str:
        headline = self._headline()
        return f"<{type(self).__name__} {headline}>" if headline else f"<{type(self).__name__}>"

    def _render(self, console: Any) -> None:
        importlib.import_module(self._report_module).render(self, console)

    def summary(self, console: Any = None) -> None:
        """Print the report (the tables the command line prints) to ``console`` (default: a
        new rich console on stdout)."""
        if console is None:
            from rich.console import Console

            console = Console()
        self._render(console)

    def _repr_html_(self) -> str:
        """The report as HTML (for Jupyter)."""
        from rich.console import Console

        console = Console(record=True, width=140, file=_Discard())
        self._render(console)
        return console.export_html(inline_styles=True)


class _Discard:
    """A text stream that drops everything (the recording console keeps the text)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
