"""``python -m theorems``: see :mod:`theorems.cli`."""

import sys

from theorems.cli import main

sys.exit(main())
