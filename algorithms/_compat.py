"""Old import paths kept alive for one release (see the README's changelog).

A module that moved leaves behind a stub whose module-level ``__getattr__`` is made by
:func:`moved`: any name read from the old path is fetched from the new one, with a
:class:`DeprecationWarning` that names both.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["moved"]

#: the release in which the old paths go away
REMOVED_IN = "0.3"


def moved(old: str, new: str | dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` forwarding names of ``old`` to ``new``.

    ``new`` is the new module's path, or a mapping name -> module path when the names went to
    several modules (names not in the mapping raise :class:`AttributeError`).
    """

    def __getattr__(name: str) -> Any:
        target = new.get(name) if isinstance(new, dict) else new
        module = None if target is None or name.startswith("__") else (
            importlib.import_module(target))
        if module is None or not hasattr(module, name):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warnings.warn(f"{old}.{name} moved to {target}.{name}; the old path goes away in "
                      f"{REMOVED_IN}", DeprecationWarning, stacklevel=2)
        return getattr(module, name)

    return __getattr__


def package_version() -> str:
    """The installed distribution's version (single source: ``pyproject.toml``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smale18")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout never installed
        return "0+unknown"


def lazy_exports(package: str, namespace: dict[str, Any], exports: dict[str, str],
                 subpackages: tuple[str, ...] = ()) -> Callable[[str], Any]:
    """A package ``__getattr__`` that imports a public name on first use and caches it in
    ``namespace`` (the package's globals): ``__version__``, the names of ``exports``
    (name -> defining module) and the ``subpackages`` of ``package``."""

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            value: Any = package_version()
        elif name in subpackages:
            value = importlib.import_module(f"{package}.{name}")
        elif name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    return __getattr__
