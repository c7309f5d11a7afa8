"""Showing results: Rich tables on the terminal and one JSON file per run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.common import console
from bench.ledger import DEEP_PAGE


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def intake_table(result: dict[str, Any]) -> Table:
    """minwon against the bare baseline for one engine."""
    table = Table(
        title=f"Intake, {result['engine']} — {result['requests_per_app']} requests per app, "
        f"concurrency {result['concurrency']}, one uvicorn process",
        title_justify="left",
    )
    for col in ("app", "voices/s", "p50 ms", "p95 ms", "p99 ms", "server CPU ms/req", "non-2xx"):
        table.add_column(col, justify="right" if col != "app" else "left")
    for name in ("bare", "minwon"):
        fig = result[name]
        bad = sum(v for k, v in fig["statuses"].items() if k not in ("200", "201"))
        table.add_row(
            name, f"{fig['voices_per_s']:,.1f}", _ms(fig["p50_ms"]), _ms(fig["p95_ms"]),
            _ms(fig["p99_ms"]), _ms(fig["server_cpu_ms_per_req"]), str(bad),
        )  # fmt: skip
    verdict = "meets" if result["meets_target"] else "misses"
    load = max(result[name]["max_loadavg_1m"] for name in ("bare", "minwon"))
    check = result["minwon_check"]
    table.caption = (
        f"ratio minwon/bare = {result['ratio']:.1%} ({verdict} the 70% aim); "
        f"{check['voices_stored']} voices stored, ledgers gap-free: {check['ledgers_gap_free']}; "
        f"max 1-min load average {load:.1f} on {os.cpu_count()} CPUs"
        + (" — the machine was busy, figures are noisy" if load > (os.cpu_count() or 1) else "")
    )
    table.caption_justify = "left"
    cut = [n for n in ("bare", "minwon") if result[n]["stopped_by_time"]]
    if cut:
        table.caption += f"\ncut off by --max-seconds before all requests were sent: {cut}"
    anatomy = result.get("anatomy")
    if anatomy:
        kinds = ", ".join(f"{k} {v:g}" for k, v in anatomy["by_kind"].items())
        table.caption += (
            f"\nminwon, one intake in-process: {anatomy['in_process_ms_per_request']:.1f} ms, "
            f"{anatomy['statements_per_request']:g} statements ({kinds})"
        )
    return table


def ledger_table(result: dict[str, Any]) -> Table:
    """Page latency per case and caller for one engine."""
    table = Table(
        title=f"Ledger page latency, {result['engine']} — {result['voices']:,} voices, "
        f"{result['requests_per_case']} sequential requests per case",
        title_justify="left",
    )
    table.add_column("query")
    for role in result["cases"]:
        table.add_column(f"{role} p50 ms", justify="right")
        table.add_column(f"{role} p95 ms", justify="right")
    names = list(next(iter(result["cases"].values())))
    for name in names:
        cells = [name]
        for role in result["cases"]:
            fig = result["cases"][role].get(name, {})
            if "skipped" in fig:
                cells += ["skipped", ""]
            else:
                mark = " !" if fig["p50_ms"] > result["target_ms"] else ""
                if "page" in fig and fig["page"] != DEEP_PAGE:
                    mark += f" (page {fig['page']})"
                cells += [_ms(fig["p50_ms"]) + mark, _ms(fig["p95_ms"])]
        table.add_row(*cells)
    skipped = {
        fig["skipped"] for cases in result["cases"].values() for fig in cases.values()
        if "skipped" in fig
    }  # fmt: skip
    load = result.get("loadavg_1m", [0, 0])
    table.caption = (
        f"! = median over the 100 ms aim. 1-min load average {load[0]:.1f} → {load[1]:.1f}. "
        + " ".join(sorted(skipped))
    )
    table.caption_justify = "left"
    return table


def slowest_plan(result: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The explained case whose slowest statement took longest."""
    if not result.get("explain"):
        return None
    return max(result["explain"].items(), key=lambda kv: kv[1]["slowest_ms"])


def show(results: dict[str, Any]) -> None:
    """Print every table of a run, and the plan of the slowest ledger statement per engine."""
    for res in results.get("intake", {}).values():
        console.print(intake_table(res))
    for res in results.get("ledger", {}).values():
        console.print(ledger_table(res))
        found = slowest_plan(res)
        if found:
            name, info = found
            console.print(
                f"[bold]{res['engine']}: slowest statement — {name} "
                f"({info['slowest_ms']:.1f} ms in-process)[/bold]"
            )
            console.print(info["slowest_sql"], markup=False)
            console.print("\n".join(info["plan"]), markup=False)


def write_json(results: dict[str, Any], path: Path) -> None:
    """Save the whole run as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
