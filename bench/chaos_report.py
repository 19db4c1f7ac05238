"""make chaos's verdict and table: what fails a row, the markdown table for
docs/reliability.md, and the results file (bench/chaos-results*.json)."""

from __future__ import annotations

import json

from bench.harness import ROOT, machine

POLL_INTERVAL = 1.0  # the stacks' A1_POLL_INTERVAL: takeover is judged against 2 x this
RECOVERY_TARGET = 10.0  # seconds from a service's return to the first completed run


def verdict(row: dict) -> list[str]:
    """What fails the suite in this row."""
    outcomes = row.get("outcomes", {})
    bare = sum(n for k, n in outcomes.items() if k.startswith("bare"))
    problems = []
    for label, value in (
        ("lost", row.get("lost", 0)),
        ("sent twice", row.get("sent_twice", 0)),
        ("holds leaked", row.get("holds_leaked", 0)),
        ("files without rows", row.get("orphans", 0)),
        ("rows without files", row.get("rows_without_files", 0)),
        ("bare 5xx", bare),
        ("hung", outcomes.get("hung", 0)),
    ):
        if value:
            problems.append(f"{label} {value}")
    if "ping_max_s" in row and max(row["ping_max_s"], row["history_max_s"]) > 1.0:
        problems.append("/ping or history over 1 s")
    if row.get("error"):
        problems.append("error: " + row["error"].splitlines()[-1][:120])
    return problems


def table(rows: list[dict]) -> str:
    lines = [
        "| fault | requests: ok / refused with a message / 503 with a sentence / bare 5xx / hung / dropped | runs given / lost / outcome unknown | sent twice | holds leaked | orphans: files / rows | return → completed run (s) | exited, restarted | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for row in rows:
        o = row.get("outcomes", {})
        bare = sum(n for k, n in o.items() if k.startswith("bare"))
        first = row.get("first_completed_s")
        back = "none within 60" if first is None else f"{first:.1f}"
        if first is not None and first > RECOVERY_TARGET:
            back += f" (over {RECOVERY_TARGET:.0f})"
        if "takeover_s" in row:
            over = " over 2 × poll" if row["takeover_s"] > 2 * POLL_INTERVAL else ""
            back += f" (takeover {row['takeover_s']:.1f}{over})"
        if "ping_max_s" in row:
            back = f"/ping max {row['ping_max_s']:.2f} s, history max {row['history_max_s']:.2f} s"
        problems = verdict(row)
        lines.append(
            f"| {row['fault']} | {o.get('ok', 0)} / {o.get('refused with a message', 0)} / "
            f"{o.get('503 with a sentence', 0)} / {bare} / "
            f"{o.get('hung', 0)} / {o.get('dropped', 0)} | {row.get('runs_given', '-')} / "
            f"{row.get('lost', '-')} / {row.get('outcome_unknown', 0)} | {row.get('sent_twice', '-')} | {row.get('holds_leaked', '-')} | "
            f"{row.get('orphans', '-')} / {row.get('rows_without_files', '-')} | {back} | "
            f"{row.get('exits', '-')} | "
            f"{'held' if not problems else 'FAILS: ' + '; '.join(problems)} |"
        )
    return "\n".join(lines)


def report(rows: list[dict], wall: float, *, quick: bool) -> int:
    text = table(rows)
    print("\n" + text + "\n")
    for row in rows:
        for key in ("bad_requests", "lost_examples", "leaked_examples"):
            if row.get(key):
                print(f"{row['fault']}: {key}: {row[key]}")
    failed = [row["fault"] for row in rows if verdict(row)]
    result = {"machine": machine(), "quick": quick, "wall_s": wall, "rows": rows, "table": text}
    out = ROOT / "bench" / ("chaos-results-quick.json" if quick else "chaos-results.json")
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"chaos: {len(rows)} rows in {wall:.0f} s; " + ("held" if not failed else f"FAILED: {', '.join(failed)}"))  # fmt: skip
    return 1 if failed else 0
