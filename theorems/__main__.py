"""``python -m theorems``: see :mod:`theorems.cli`."""

import sys

from theorems.cli import main

if __name__ == "__main__":  # importing the module (Sphinx's autosummary does) runs nothing
    sys.exit(main())
