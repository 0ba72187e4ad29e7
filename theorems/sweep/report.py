"""Tables and figures of sweeps (imported by :mod:`theorems.sweep.cli` only).

* :func:`store_table`: the rows of a results store (``python -m theorems sweep show DB``);
* :func:`phase_tables`: the measured thresholds against ``eps_0`` and the success table of the
  phase sweep; :func:`phase_figure`: success against ``eps/eps_0``, one line per K.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from rich.table import Table
from rich.text import Text

from theorems.sweep.store import Row

__all__ = ["store_table", "phase_tables", "phase_figure", "phase_json"]


def _params_text(params: dict[str, Any], limit: int = 60) -> str:
    parts = []
    for k, v in params.items():
        text = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        parts.append(f"{k}={text if len(text) <= 24 else text[:21] + '...'}")
    out = " ".join(parts)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _record_text(row: Row) -> str:
    """A short summary of a record: the phase thresholds, else its first scalar fields."""
    if row.status == "failed":
        return ((row.error or "").splitlines() or [""])[0][:70]
    rec = row.record or {}
    if row.experiment == "phase" and "thresholds" in rec:
        t = rec["thresholds"]
        return (f"eps_fail/eps_0-1 {t['eps_fail_relative'][0]}, eps_up/eps_0-1 "
                f"{t['eps_up_relative'][1]} ({t['eps_up_algorithm']})")
    scalars = [f"{k}={v}" for k, v in rec.items() if isinstance(v, (int, float, str, bool))]
    text = " ".join(scalars)
    return text if len(text) <= 70 else text[:67] + "..."


def store_table(rows: Sequence[Row], title: str) -> Table:
    """One line per stored cell: id, experiment, parameters, status, attempts, seconds,
    worker, finished (local time) and a short summary of the record (or the error)."""
    table = Table(title=title)
    for head in ("id", "experiment", "parameters", "status", "attempts", "seconds", "worker",
                 "finished", "record"):
        table.add_column(head, justify="right" if head in ("attempts", "seconds") else "left")
    for r in rows:
        finished = ("" if r.finished is None
                    else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.finished)))
        # plain Text, never rich markup: parameters, errors and records may hold '[...]'
        table.add_row(*(Text(x) for x in (
            r.id, r.experiment, _params_text(r.params), r.status, str(r.attempts),
            "" if r.seconds is None else f"{r.seconds:.1f}", r.worker or "", finished,
            _record_text(r))))
    return table


def phase_tables(records: Sequence[dict[str, Any]]) -> list[Table]:
    """The thresholds table (one row per K) and the success table (one row per c)."""
    th = Table(title="Phase transition: measured thresholds against eps_0 = circumradius of "
                     "the vertex simplex (certified)")
    for head in ("K", "N1", "eps_0", "eps_fail/eps_0 - 1", "eps_up/eps_0 - 1", "eps_up by",
                 "bound R_n/eps_0 - 1 (n)", "within 1 %"):
        th.add_column(head, justify="left" if head in ("eps_up by",) else "right")
    for r in records:
        t = r["thresholds"]
        th.add_row(str(r["K"]), str(r["N1"]), r["eps_0_formula"],
                   f"[{t['eps_fail_relative'][0]}, {t['eps_fail_relative'][1]}]",
                   f"[{t['eps_up_relative'][0]}, {t['eps_up_relative'][1]}]",
                   t["eps_up_algorithm"],
                   f"{t['bound_relative'][0]} (n={t['bound_level']})",
                   "yes" if t["match_1_percent"] else "NO")
    cs = [e["c"] for e in records[0]["per_eps"]] if records else []
    su = Table(title="Success at eps = c * eps_0: 1 = some panel algorithm certified accurate "
                     "on every run; below 1, the best randomized min_j P(success_j) at the "
                     "deepest level [its bound]")
    su.add_column("c", justify="right")
    for r in records:
        su.add_column(f"K={r['K']}", justify="right")
    for i, c in enumerate(cs):
        cells = []
        for r in records:
            e = r["per_eps"][i]
            bound = "" if e["success_bound"] is None else f" [<={e['success_bound']:.3f}]"
            cells.append(f"{e['success']:.3f}{bound}")
        su.add_row(str(float(Fraction(c))), *cells)
    return [th, su]


def phase_json(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One JSON object: the thresholds per K and every record."""
    return {"thresholds": [{"K": r["K"], "N1": r["N1"], "eps_0": r["eps_0"],
                            **r["thresholds"]} for r in records],
            "records": list(records)}


def phase_figure(records: Sequence[dict[str, Any]], path: str) -> str:
    """Success against ``eps/eps_0`` (log scale), one line per K, the randomized bound
    dashed, the threshold ``eps/eps_0 = 1`` dotted; saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    markers = "osD^v<>ph*"
    for i, r in enumerate(records):
        xs = [float(Fraction(e["c"])) for e in r["per_eps"]]
        ys = [e["success"] for e in r["per_eps"]]
        ax.plot(xs, ys, marker=markers[i % len(markers)], markersize=4, linewidth=1,
                drawstyle="steps-post", alpha=0.8, label=f"K={r['K']}")
    if records:
        r = records[-1]
        xb = [float(Fraction(e["c"])) for e in r["per_eps"] if e["success_bound"] is not None]
        yb = [e["success_bound"] for e in r["per_eps"] if e["success_bound"] is not None]
        ax.plot(xb, yb, "k--", linewidth=1,
                label=f"randomized bound (M+(N1-M)P(deeper))/N1, K={r['K']}")
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("eps / eps_0   (eps_0 = circumradius of the vertex simplex)")
    ax.set_ylabel("success on the worst member")
    ax.set_ylim(-0.05, 1.05)
    same = len({tuple(e["success"] for e in r["per_eps"]) for r in records}) <= 1
    ax.set_title("Phase transition on the gadget (family I)"
                 + (": the lines of all K coincide" if same and len(records) > 1 else ""))
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
