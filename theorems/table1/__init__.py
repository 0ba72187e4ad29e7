"""Table 1 of the paper, recomputed with certified distances, explained, and pushed past float64.

Modules: ``setup`` (grid, published numbers, profiles, members, the sample bank), ``harness``
(:func:`run` -> :class:`Table1Result`), ``replica`` (the published float64 set-up re-enacted,
the float64 collapse), ``report`` (tables, JSON, figure), ``cli`` (``python -m theorems table1``).
The analysis of the differences from the published table is in ``TABLE1.md`` beside them.
"""

from algorithms._compat import moved
from theorems.table1.harness import BeyondCell, Cell, NetworkResult, Table1Result, run, run_cell
from theorems.table1.replica import (
    Float64Pair,
    Replica,
    analysis_rows,
    collapse_level,
    float64_members_identical,
    float64_pair,
    published_firenet,
    published_instance,
    published_replica,
)
from theorems.table1.setup import (
    BEYOND_K,
    BEYOND_N,
    GRID_K,
    GRID_N,
    PROFILES,
    PUBLISHED,
    Profile,
    SampleBank,
    alpha_of,
    table_member,
)

__all__ = [
    "BEYOND_K", "BEYOND_N", "GRID_K", "GRID_N", "PROFILES", "PUBLISHED", "Profile",
    "SampleBank", "alpha_of", "table_member", "BeyondCell", "Cell", "NetworkResult",
    "Table1Result", "run", "run_cell", "Float64Pair", "Replica", "analysis_rows",
    "collapse_level", "float64_members_identical", "float64_pair", "published_firenet",
    "published_instance", "published_replica",
]

# names that lived in the one-module theorems.table1 of 0.1 and moved to report / cli
__getattr__ = moved("theorems.table1", {
    "decimal_string": "theorems.table1.report", "to_json": "theorems.table1.report",
    "render": "theorems.table1.report", "plot": "theorems.table1.report",
    "add_arguments": "theorems.table1.cli", "main": "theorems.table1.cli",
})
