"""Benchmark: the nightly job on generated data at scale, against a plain-DuckDB lower bound.

    uv run python benchmarks/run.py --scale 20

Generates a program at the given scale (benchmarks/out/, not committed), then measures in the
same run, each in its own process:
  * the lower bound: plain DuckDB reading every export CSV once into typed tables and computing
    the trailing-year won revenue from the latest version of each opportunity — the least any
    implementation has to do with these inputs;
  * the nightly job (`partner run`): ingest with validation, dbt models, tests and checks, publish.
It prints wall time and peak memory of both, their ratios, the job's slowest steps, and writes
benchmarks/out/results.json.
"""

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"

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
    """Wall seconds and peak resident MB of one child process (its output goes to `log`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(log, "w") as handle:
        completed = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} … failed: see {log}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: measure the smaller process first
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--as-of", default="2026-11-27")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    landing = OUT / f"landing-scale-{args.scale:g}"
    warehouse = OUT / f"warehouse-scale-{args.scale:g}.duckdb"
    python = sys.executable

    if not landing.exists():
        print(f"generating scale {args.scale:g} into {landing} ...", flush=True)
        subprocess.run(
            [
                python,
                "-m",
                "dagster_project.cli",
                "generate",
                "--out",
                str(landing),
                "--scale",
                str(args.scale),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    rows = sum(f.read_bytes().count(b"\n") - 1 for f in landing.glob("*/*/*.csv"))
    size_mb = sum(f.stat().st_size for f in landing.glob("*/*/*.csv")) / 1e6
    print(f"input: {rows:,} rows, {size_mb:,.0f} MB of CSV", flush=True)

    print("lower bound: plain DuckDB ...", flush=True)
    base_s, base_mb = measure(
        [python, "-c", LOWER_BOUND, str(landing), args.as_of], OUT / "lower_bound.log"
    )
    print(f"  {base_s:.1f} s, {base_mb:,.0f} MB peak", flush=True)

    for leftover in (warehouse, Path(f"{warehouse}.wal")):
        leftover.unlink(missing_ok=True)
    print("nightly job (fresh warehouse) ...", flush=True)
    job_log = OUT / "nightly.log"
    job_s, job_mb = measure(
        [
            python,
            "-m",
            "dagster_project.cli",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--as-of",
            args.as_of,
            "run",
        ],
        job_log,
    )
    print(f"  {job_s:.1f} s, {job_mb:,.0f} MB peak", flush=True)

    # the CLI ends its run with "steps: <step> <seconds>s, ..."
    timings = re.search(r"^steps: (.*)$", job_log.read_text(), re.MULTILINE)
    steps = (
        sorted(
            (
                (float(seconds), name)
                for name, seconds in re.findall(r"(\S+) ([0-9.]+)s", timings[1])
            ),
            reverse=True,
        )
        if timings
        else []
    )
    results = {
        "scale": args.scale,
        "input_rows": rows,
        "input_mb": round(size_mb, 1),
        "lower_bound_seconds": round(base_s, 2),
        "lower_bound_peak_mb": round(base_mb),
        "nightly_seconds": round(job_s, 2),
        "nightly_peak_mb": round(job_mb),
        "time_ratio": round(job_s / base_s, 1),
        "memory_ratio": round(job_mb / base_mb, 1),
        "slowest_steps": [{"step": name, "seconds": s} for s, name in steps[:5]],
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(
        f"\nscale {args.scale:g}: nightly job {job_s:.1f} s / lower bound {base_s:.1f} s = "
        f"{results['time_ratio']}x time, {results['memory_ratio']}x peak memory"
    )
    for s, name in steps[:5]:
        print(f"  {name:<28} {s:8.2f} s")


if __name__ == "__main__":
    main()
