"""The commands a person types: `partner run`, `partner kpis`, `partner audit`, `partner status`,
`partner sql`, `partner explain`, `partner generate`, `partner dashboard`, `partner serve`. Each
is a thin call into the modules that do the work."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import duckdb

from dagster_project.readers import ATTRIBUTION_MODELS, connect_marts, to_people_csv
from dagster_project.settings import Settings


def connect_read_only(settings: Settings):
    try:
        return connect_marts(settings)
    except FileNotFoundError as err:
        sys.exit(str(err))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _money(value) -> str:
    return "n/a" if value is None else f"{float(value):,.2f}"


def print_kpis(settings: Settings) -> None:
    from dagster_project.kpi_report import kpi_report

    con = connect_read_only(settings)
    try:
        lines = kpi_report(con)
    finally:
        con.close()
    if lines is None:
        sys.exit("marts.program_kpis is empty")
    print("\n" + "\n".join(lines))
    print(f"\nwarehouse: {settings.warehouse} (schema `marts`)")


def print_audit(settings: Settings) -> None:
    from dagster_project.run_report import problem_lines, unpublished_report

    report = unpublished_report(settings)
    if report is not None:
        # the last run failed: its build file and audit tables are gone, its report is not
        print(
            f"The last run (as of {report['as_of']}) did not publish a warehouse. What it found "
            f"in {report['landing_dir']} (a later run reads these files again):"
        )
        for line in problem_lines(report["files"]) or ["no file rejected, no row quarantined"]:
            print(f"  {line}")
        if not settings.warehouse.exists():
            return
        print(f"\nThe served warehouse {settings.warehouse}:")
    con = connect_read_only(settings)
    try:
        rows = con.execute(
            """
            select status, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined),
                   sum(rows_set_aside)
            from audit.load_log group by status order by status
            """
        ).fetchall()
        print("files by status: (status, files, rows read, loaded, quarantined, set aside)")
        for row in rows:
            print("  ", row)
        for file_path, count, rules in con.execute(
            "select file_path, rows_set_aside, set_aside_rules from audit.load_log "
            "where rows_set_aside > 0 order by 1"
        ).fetchall():
            print(f"set aside by its format in {file_path}: {count:,} row(s): {rules}")
        for file_path, reason in con.execute(
            "select file_path, reason from audit.load_log where status = 'rejected' order by 1"
        ).fetchall():
            print(f"rejected {file_path}: {reason}")
        for file_path, line, reason in con.execute(
            "select file_path, line_number, reason from audit.quarantine order by 1, 2 limit 50"
        ).fetchall():
            print(f"quarantined {file_path}:{line}: {reason}")
    finally:
        con.close()


def run_sql(settings: Settings, query: str, as_csv: bool = False) -> None:
    """Print the result (as CSV for a spreadsheet with `as_csv`); a failing query prints DuckDB's
    message in one line and exits non-zero."""
    con = connect_read_only(settings)
    try:
        result = con.sql(query)
        if result is None:  # a statement with no result prints nothing
            return
        if as_csv:
            print(to_people_csv(result.pl()), end="")
        else:
            print(result)
    except duckdb.Error as err:
        sys.exit(str(err).strip().splitlines()[0])
    finally:
        con.close()


def serve_dashboard(settings: Settings, host: str, port: int) -> None:
    """Streamlit in this process's place, reading the same warehouse as the other commands."""
    from dagster_project.settings import PROJECT_ROOT

    os.environ["PARTNER_WAREHOUSE"] = str(settings.warehouse)
    app = PROJECT_ROOT / "dashboard" / "app.py"
    print(f"dashboard on http://{host}:{port} reading {settings.warehouse}")
    streamlit = [sys.executable, "-m", "streamlit", "run", str(app)]
    options = ["--server.headless", "true", "--server.address", host, "--server.port", str(port)]
    os.execv(sys.executable, [*streamlit, *options, "--browser.gatherUsageStats", "false"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="partner", description=__doc__)
    parser.add_argument(
        "--landing", help="landing folder (default: PARTNER_LANDING_DIR or data/landing)"
    )
    parser.add_argument(
        "--warehouse", help="warehouse file (default: PARTNER_WAREHOUSE or data/warehouse.duckdb)"
    )
    parser.add_argument(
        "--as-of",
        help="as-of date YYYY-MM-DD (default: PARTNER_AS_OF, else today; on the bundled sample, "
        "its last export date)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the nightly job, then print the headline KPIs")
    commands.add_parser("kpis", help="print the headline KPIs of the served warehouse")
    commands.add_parser("audit", help="print the load log, rejected files and quarantined rows")
    commands.add_parser(
        "status", help="the served as-of date, the last run, source freshness, recent failures"
    )
    commands.add_parser(
        "restore-previous", help="undo the last publish: put <warehouse>.previous back in place"
    )
    sql = commands.add_parser("sql", help="run a read-only SQL query on the served warehouse")
    sql.add_argument("query")
    sql.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")
    explain = commands.add_parser("explain", help="explain one revenue line and its credits")
    explain.add_argument("line_id")
    explain.add_argument("--partner", help="only this partner's touches and credits")
    explain.add_argument(
        "--model",
        choices=ATTRIBUTION_MODELS,
        help="only this attribution model (default: all side by side)",
    )
    dashboard = commands.add_parser("dashboard", help="serve the dashboard (Streamlit)")
    dashboard.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    dashboard.add_argument("--port", type=int, default=8501)
    serve = commands.add_parser(
        "serve", help="the deployment: Dagster daemon (nightly schedule, sensors) and web UI"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000)
    generate = commands.add_parser("generate", help="write a generated sample landing folder")
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--scale", type=float, default=1.0)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument(
        "--overwrite", action="store_true", help="replace the exports already in --out"
    )
    generate.add_argument(
        "--last-day-export",
        action="store_true",
        help="end with an export carrying one day of changes (an incremental night's input)",
    )
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env(
            landing_dir=args.landing, warehouse=args.warehouse, as_of=args.as_of
        )
    except ValueError as err:
        sys.exit(str(err))
    sample_note = None
    if args.command == "run":
        from dagster_project.run_report import sample_as_of

        as_of_given = bool(args.as_of or os.environ.get("PARTNER_AS_OF"))
        sample_day = sample_as_of(settings, as_of_given)
        if sample_day is not None:
            settings = dataclasses.replace(settings, as_of=sample_day)
            sample_note = (
                f"as of {sample_day}, the bundled sample's last export date (no --as-of or "
                "PARTNER_AS_OF given): give one to compute another day"
            )

    if args.command == "run":
        if not settings.landing_dir.is_dir():
            sys.exit(
                f"the landing folder {settings.landing_dir} does not exist: point "
                "PARTNER_LANDING_DIR (or --landing) at the folder holding "
                "<source>/<export date>/<entity>.csv"
            )
        from dagster_project.dbt import DbtManifestMissing
        from dagster_project.jobs import run_nightly
        from dagster_project.run_lock import RunRefused
        from dagster_project.run_report import as_of_warnings, read_report, summary

        print(f"nightly run: {settings.landing_dir} -> {settings.warehouse} as of {settings.as_of}")
        if sample_note:
            print(sample_note)
        for warning in as_of_warnings(settings):
            print(f"warning: {warning}")
        started = time.time()
        try:
            succeeded = run_nightly(settings)
        except (DbtManifestMissing, RunRefused) as err:
            sys.exit(str(err))
        report = read_report(settings, written_since=started)
        if report is not None:
            print(summary(report["files"]))
        if not succeeded:
            sys.exit(
                "the nightly run failed; the last good warehouse is unchanged. "
                "The run log above names the failing step; `partner audit` shows rejected files."
            )
        print_kpis(settings)
    elif args.command == "kpis":
        print_kpis(settings)
    elif args.command == "audit":
        print_audit(settings)
    elif args.command == "status":
        from dagster_project.status import status_lines

        try:
            print("\n".join(status_lines(settings)))
        except ValueError as err:  # a malformed PARTNER_SOURCE_CADENCE_DAYS
            sys.exit(str(err))
    elif args.command == "restore-previous":
        from dagster_project.publish import restore_previous
        from dagster_project.run_lock import RunRefused

        try:
            print(restore_previous(settings.warehouse))
        except RunRefused as err:
            sys.exit(str(err))
    elif args.command == "sql":
        run_sql(settings, args.query, as_csv=args.csv)
    elif args.command == "explain":
        from dagster_project.explain import print_explanation

        print_explanation(settings, args.line_id, partner=args.partner, model=args.model)
    elif args.command == "dashboard":
        serve_dashboard(settings, args.host, args.port)
    elif args.command == "serve":
        from dagster_project.serve import serve as serve_deployment

        sys.exit(serve_deployment(args.host, args.port))
    elif args.command == "generate":
        # The generator is not part of the pipeline: imported only when asked for.
        from sample_generator import generate as generate_sample

        try:
            counts = generate_sample(
                args.out,
                scale=args.scale,
                seed=args.seed,
                progress=print,
                overwrite=args.overwrite,
                last_day_export=args.last_day_export,
            )
        except FileExistsError as err:
            sys.exit(str(err))
        print(f"wrote {sum(counts.values()):,} rows to {args.out}")


if __name__ == "__main__":
    main()
