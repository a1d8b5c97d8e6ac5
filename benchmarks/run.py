"""Benchmark: the nightly job on generated data at scale, against a plain-DuckDB lower bound.

    uv run python benchmarks/run.py --scale 20 --out benchmarks/out/scale-20.json

Generates a program at the given scale (benchmarks/out/, not committed) whose last export carries
one day of changes (the as-of date's new and changed opportunities, touches, referrals,
transactions...), then measures in the same run, each in its own process:
  * the lower bound: plain DuckDB reading every export CSV once into typed tables and computing
    the trailing-year won revenue from the latest version of each opportunity — the least any
    implementation has to do with these inputs;
  * the full night (`partner run`, fresh warehouse, every export): ingest with validation, dbt
    models, tests and checks, publish;
  * the incremental night: yesterday's published warehouse (built, unmeasured, as of the day
    before without the last export) plus the last export, as of the date.
Then it checks that the incremental warehouse's marts equal the full run's, every row (DuckDB
EXCEPT ALL both ways; doubles to 9 decimals). It prints wall time and peak memory (the largest
sum of the resident memory of the job's processes, sampled), their ratios, the slowest steps, and
writes the JSON.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
END_DATE = "2026-11-27"  # the generator's last day (sample_generator.program.generate)

LOWER_BOUND = """
import sys, duckdb
from pathlib import Path
landing, as_of = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect()
for source in sorted(p for p in landing.iterdir() if p.is_dir()):
    for entity in sorted({f.stem for f in source.glob("*/*.csv")}):
        con.execute(
            f"create table {source.name}__{entity} as select *, filename as _file "
            f"from read_csv('{source}/*/{entity}.csv', filename=true, union_by_name=true)"
        )
total = con.execute(f'''
    select sum(amount) from (
        select *, row_number() over (
            partition by opportunity_id order by _file desc, updated_at desc
        ) as version
        from crm__opportunities
    ) where version = 1 and coalesce(lower(cast(is_deleted as varchar)), '') != 'true'
      and lower(cast(is_won as varchar)) = 'true'
      and close_date > date '{as_of}' - 365 and close_date <= date '{as_of}'
''').fetchone()[0]
print(f"won revenue (unconverted) {total}")
"""


def measure(command: list[str], log: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process and its children, together (the
    job's dbt process runs beside the Dagster process). Its output goes to `log`."""
    seconds, peaks = measure_processes(command, log)
    return seconds, peaks["total"] / 1e6


def measure_processes(command: list[str], log: Path) -> tuple[float, dict[str, int]]:
    """`measure`, with the peak bytes of the whole tree (`total`), of the process itself (`own`)
    and of its children together (`children`: the job's dbt), each at its own moment."""
    start = time.perf_counter()
    with open(log, "w") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        peaks = _sample_peaks(process)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} … failed: see {log}")
    return seconds, peaks


def _sample_peaks(process: subprocess.Popen) -> dict[str, int]:
    """The largest resident bytes of `process` with its descendants, of `process` alone and of
    its descendants, every 50 ms until it ends (the exited process's own max RSS too, so a spike
    between samples is not missed)."""
    peaks = {"total": 0, "own": 0, "children": 0}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                own = _rss(root)
                children = sum(_rss(p) for p in root.children(recursive=True))
            except psutil.NoSuchProcess:
                own = children = 0
            peaks["own"] = max(peaks["own"], own)
            peaks["children"] = max(peaks["children"], children)
            peaks["total"] = max(peaks["total"], own + children)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    peaks["own"] = max(peaks["own"], usage.ru_maxrss * 1024)
    peaks["total"] = max(peaks["total"], peaks["own"])
    return peaks


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def partner_run(landing: Path, warehouse: Path, as_of: str, log: Path) -> tuple[float, dict]:
    """Seconds and peak MB (`total`; `dagster`: the job's own process; `dbt`: its dbt process)."""
    command = [sys.executable, "-m", "dagster_project.cli", "--landing", str(landing)]
    command += ["--warehouse", str(warehouse), "--as-of", as_of, "run"]
    seconds, peaks = measure_processes(command, log)
    names = {"total": "total", "own": "dagster", "children": "dbt"}
    return seconds, {names[key]: round(value / 1e6) for key, value in peaks.items()}


def slowest_steps(log: Path, count: int = 6) -> list[dict]:
    """The CLI ends its run with "steps: <step> <seconds>s, ..."."""
    timings = re.search(r"^steps: (.*)$", log.read_text(), re.MULTILINE)
    if not timings:
        return []
    steps = sorted(
        ((float(seconds), name) for name, seconds in re.findall(r"(\S+) ([0-9.]+)s", timings[1])),
        reverse=True,
    )
    return [{"step": name, "seconds": seconds} for seconds, name in steps[:count]]


def slowest_dbt_nodes(log: Path, count: int = 10) -> list[dict]:
    """dbt's own lines "N of M OK created sql table model <name> ... [OK in 1.23s]": the nodes
    (models, seeds, data tests) that took longest, as dbt timed them (two run at a time)."""
    nodes = re.findall(
        r"\d+ of \d+ (?:OK|PASS|WARN)\b.*? (?:model |seed file )?([\w.]+) \.*\s*"
        r"\[\S*?(?:OK|PASS|WARN)\S*? in ([0-9.]+)s\]",
        log.read_text(),
    )
    slowest = sorted(((float(seconds), name) for name, seconds in nodes), reverse=True)
    return [{"node": name, "seconds": seconds} for seconds, name in slowest[:count]]


def fresh(warehouse: Path) -> None:
    for leftover in warehouse.parent.glob(warehouse.name + "*"):
        leftover.unlink()


def count_rows(landing: Path, day: str = "*") -> tuple[int, float]:
    """Data rows and MB of the export CSVs (of `day`), read in chunks (scale 500: gigabytes)."""
    rows = size = 0
    for path in landing.glob(f"*/{day}/*.csv"):
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                rows += chunk.count(b"\n")
        rows -= 1  # the header
        size += path.stat().st_size
    return rows, size / 1e6


def held_back(landing: Path, day: str, aside: Path):
    """Move the export folders of `day` out of the landing folder: yesterday's view of it."""
    moved = []
    aside.mkdir(parents=True, exist_ok=True)
    for folder in sorted(landing.glob(f"*/{day}")):
        target = aside / folder.parent.name
        os.replace(folder, target)
        moved.append((target, folder))
    return moved


def restore_held_back(aside: Path, landing: Path, day: str) -> None:
    """Put back the export folders of `day` that `held_back` moved aside and a killed run left
    there (`aside/<source>` is `landing/<source>/<day>`)."""
    if not aside.is_dir():
        return
    for held in sorted(p for p in aside.iterdir() if p.is_dir()):
        home = landing / held.name / day
        if not home.exists():
            print(f"restoring {home} (held back by an interrupted run)", flush=True)
            os.replace(held, home)


def marts_differences(full: Path, incremental: Path) -> dict[str, int]:
    """Rows in one warehouse's marts and not in the other's, per mart (EXCEPT ALL both ways);
    a mart present in only one counts as -1. Doubles are compared rounded to 9 decimals, as
    tests/test_sample_mart_checksums.py does: a parallel sum of doubles may differ in its last
    bits from run to run (two full runs differ by ~1e-16 in a few credits)."""
    con = duckdb.connect()
    con.execute(f"attach '{full}' as full_run (read_only)")
    con.execute(f"attach '{incremental}' as incremental_run (read_only)")

    def columns(catalog: str) -> dict[str, str]:
        """Each mart's select list."""
        found: dict[str, list[str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where database_name = ? and schema_name = 'marts' order by table_name, column_index",
            [catalog],
        ).fetchall():
            quoted = f'"{column}"'
            found.setdefault(table, []).append(
                f"round({quoted}, 9)" if data_type in ("DOUBLE", "FLOAT") else quoted
            )
        return {table: ", ".join(select) for table, select in found.items()}

    full_marts, incremental_marts = columns("full_run"), columns("incremental_run")
    differences = {name: -1 for name in full_marts.keys() ^ incremental_marts.keys()}
    for name in sorted(full_marts.keys() & incremental_marts.keys()):
        if full_marts[name] != incremental_marts[name]:
            differences[name] = -1
            continue
        a = f"select {full_marts[name]} from full_run.marts.{name}"
        b = f"select {full_marts[name]} from incremental_run.marts.{name}"
        differences[name] = sum(
            con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0]
            for x, y in ((a, b), (b, a))
        )
    con.close()
    return {name: n for name, n in differences.items() if n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--out", type=Path, help="the JSON results [benchmarks/out/scale-S.json]")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    name = f"scale-{args.scale:g}"
    out = args.out or OUT / f"{name}.json"
    landing = OUT / f"landing-{name}"
    as_of = END_DATE
    yesterday = (dt.date.fromisoformat(as_of) - dt.timedelta(days=1)).isoformat()
    python = sys.executable

    aside = OUT / f"held-back-{name}"
    restore_held_back(aside, landing, END_DATE)  # left by a benchmark killed mid-run
    if not landing.exists():
        print(f"generating scale {args.scale:g} into {landing} ...", flush=True)
        command = [python, "-m", "dagster_project.cli", "generate", "--out", str(landing)]
        command += ["--scale", str(args.scale), "--last-day-export"]
        seconds, peak_mb = measure(command, OUT / f"generate-{name}.log")
        print(f"  {seconds:.1f} s, {peak_mb:,.0f} MB peak", flush=True)
    rows, size_mb = count_rows(landing)
    new_rows, _ = count_rows(landing, as_of)
    print(f"input: {rows:,} rows, {size_mb:,.0f} MB of CSV; {new_rows:,} rows on {as_of}")

    print("lower bound: plain DuckDB ...", flush=True)
    command = [python, "-c", LOWER_BOUND, str(landing), as_of]
    base_s, base_mb = measure(command, OUT / f"lower-bound-{name}.log")
    print(f"  {base_s:.1f} s, {base_mb:,.0f} MB peak", flush=True)

    full = OUT / f"warehouse-full-{name}.duckdb"
    fresh(full)
    print("full night (fresh warehouse, every export) ...", flush=True)
    full_log = OUT / f"full-{name}.log"
    full_s, full_peaks = partner_run(landing, full, as_of, full_log)
    full_mb = full_peaks["total"]
    print(f"  {full_s:.1f} s, {_peaks(full_peaks)}", flush=True)

    incremental = OUT / f"warehouse-incremental-{name}.duckdb"
    fresh(incremental)
    print(f"yesterday's warehouse (as of {yesterday}, without the last export) ...", flush=True)
    shutil.rmtree(aside, ignore_errors=True)
    moved = held_back(landing, as_of, aside)
    try:
        day_s, _ = partner_run(landing, incremental, yesterday, OUT / f"yesterday-{name}.log")
    finally:
        for held, home in moved:
            os.replace(held, home)
    print(f"  {day_s:.1f} s", flush=True)
    print("incremental night (yesterday's warehouse + one export day) ...", flush=True)
    incremental_log = OUT / f"incremental-{name}.log"
    inc_s, inc_peaks = partner_run(landing, incremental, as_of, incremental_log)
    inc_mb = inc_peaks["total"]
    print(f"  {inc_s:.1f} s, {_peaks(inc_peaks)}", flush=True)

    differences = marts_differences(full, incremental)
    results = {
        "scale": args.scale,
        "input_rows": rows,
        "input_mb": round(size_mb, 1),
        "new_day_rows": new_rows,
        "lower_bound_seconds": round(base_s, 2),
        "lower_bound_peak_mb": round(base_mb),
        "nightly_seconds": round(full_s, 2),
        "nightly_peak_mb": round(full_mb),
        "incremental_seconds": round(inc_s, 2),
        "incremental_peak_mb": round(inc_mb),
        "nightly_peak_mb_by_process": full_peaks,
        "incremental_peak_mb_by_process": inc_peaks,
        "nightly_time_ratio": round(full_s / base_s, 2),
        "incremental_time_ratio": round(inc_s / base_s, 2),
        "outputs_agree": not differences,
        "marts_differing_rows": differences,
        "nightly_slowest_steps": slowest_steps(full_log),
        "incremental_slowest_steps": slowest_steps(incremental_log),
        "nightly_slowest_dbt_nodes": slowest_dbt_nodes(full_log),
        "incremental_slowest_dbt_nodes": slowest_dbt_nodes(incremental_log),
        "cpus": os.cpu_count(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"\nscale {args.scale:g} ({rows:,} rows), lower bound {base_s:.1f} s:\n"
        f"  full night        {full_s:7.1f} s = {results['nightly_time_ratio']}x, "
        f"{full_mb:,.0f} MB peak\n"
        f"  incremental night {inc_s:7.1f} s = {results['incremental_time_ratio']}x, "
        f"{inc_mb:,.0f} MB peak\n"
        f"  marts agree: {results['outputs_agree']}  ->  {out}"
    )
    for label, key in (
        ("full", "nightly_slowest_steps"),
        ("incremental", "incremental_slowest_steps"),
    ):
        print(f"  slowest steps, {label}:")
        for step in results[key]:
            print(f"    {step['step']:<44} {step['seconds']:8.2f} s")
    print("  slowest dbt nodes, full:")
    for node in results["nightly_slowest_dbt_nodes"]:
        print(f"    {node['node']:<44} {node['seconds']:8.2f} s")


def _peaks(peaks: dict) -> str:
    return (
        f"{peaks['total']:,} MB peak (Dagster's process {peaks['dagster']:,} MB, "
        f"dbt's {peaks['dbt']:,} MB, each at its own peak)"
    )


if __name__ == "__main__":
    main()
