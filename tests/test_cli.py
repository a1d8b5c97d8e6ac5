"""The `partner` command, tested by what it prints: real warehouses, real runs, real processes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.settings import Settings

HANDMADE = Path(__file__).parent / "fixtures" / "handmade" / "landing"
BAD_REFERRALS = (
    "referral_id,partner_id,referred_at,customer_email,customer_domain,status,converted_at,"
    "revenue,commission,currency,updated_at\n"
    "RF-90,P05,not-a-date,a@b.com,,converted,2026-06-01T00:00:00Z,1.00,0.10,USD,"
    "2026-06-02T00:00:00Z\n"
    "RF-91,P05,2026-06-01T00:00:00Z,a@b.com,,converted,2026-06-01T00:00:00Z,lots,0.10,USD,"
    "2026-06-02T00:00:00Z\n"
)


def partner(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`partner <args>` in its own process, from another folder than the project's."""
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        capture_output=True,
        text=True,
        cwd="/",
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def served(build_warehouse, tmp_path) -> Path:
    """A private copy of the hand-made warehouse as of 2026-06-30."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(build_warehouse(HANDMADE, "2026-06-30"), warehouse)
    return warehouse


@pytest.fixture
def dirty_landing(tmp_path) -> Path:
    """The hand-made exports plus two files that are rejected and two rows that are quarantined
    (an unknown entity, an opportunities file without its columns, two unreadable referrals)."""
    landing = tmp_path / "landing"
    shutil.copytree(HANDMADE, landing)
    (landing / "crm" / "2026-06-01" / "bogus.csv").write_text("a,b\n1,2\n")
    (landing / "crm" / "2026-06-02").mkdir()
    (landing / "crm" / "2026-06-02" / "opportunities.csv").write_text("opportunity_id\nO-1\n")
    (landing / "affiliate" / "2026-06-02").mkdir()
    (landing / "affiliate" / "2026-06-02" / "referrals.csv").write_text(BAD_REFERRALS)
    return landing


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- partner sql ----------------------------------------------------------------------------------


def test_sql_prints_the_result(served):
    query = "select max(as_of_date) as last_day from marts.program_kpis"
    result = partner("--warehouse", str(served), "sql", query)
    assert result.returncode == 0, result.stderr
    assert "last_day" in result.stdout
    assert "2026-06-30" in result.stdout


def test_a_sql_typo_prints_one_line_and_fails(served):
    error = _one_line_error(partner("--warehouse", str(served), "sql", "selec 1"))
    assert "syntax error" in error
    assert "selec" in error


def test_sql_cannot_attach_the_served_file_and_drop_its_marts(served, tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    attack = f"attach '{served}' as w (read_only false); drop schema w.marts cascade"
    _one_line_error(partner("--warehouse", str(other), "sql", attack))

    con = duckdb.connect(str(served), read_only=True)
    try:
        assert con.execute("select count(*) from marts.dim_partners").fetchone()[0] > 0
    finally:
        con.close()


def test_sql_cannot_write_or_read_other_files(served, tmp_path):
    target = tmp_path / "copy.csv"
    error = _one_line_error(
        partner("--warehouse", str(served), "sql", f"copy marts.dim_partners to '{target}'")
    )
    assert "disabled by configuration" in error
    assert not target.exists()
    error = _one_line_error(
        partner("--warehouse", str(served), "sql", "select * from read_text('/etc/passwd')")
    )
    assert "disabled by configuration" in error


def test_sql_csv_writes_formulas_as_text(served):
    query = "select '=1+1' as formula, 'Acme' as name, -3 as n"
    result = partner("--warehouse", str(served), "sql", "--csv", query)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "formula,name,n\n'=1+1,Acme,-3\n"


def test_kpis_read_the_served_warehouse(served):
    result = partner("--warehouse", str(served), "kpis")
    assert result.returncode == 0, result.stderr
    assert "Partner program as of 2026-06-30" in result.stdout


# --- partner run: what it says about rejections and the as-of date --------------------------------


def test_run_says_what_was_rejected_and_warns_of_an_as_of_date_after_the_last_export(
    dirty_landing, tmp_path
):
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    result = partner(
        "--landing", str(dirty_landing), "--warehouse", str(warehouse), "--as-of", "2026-08-01",
        "run",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "2 files rejected, 2 rows quarantined: see `partner audit`" in out
    assert "2026-08-01 is after the last export (2026-07-05)" in out
    assert "Partner program as of 2026-08-01" in out


def test_a_run_into_a_folder_named_like_jinja_succeeds_and_says_nothing_was_rejected(tmp_path):
    # dbt renders Jinja in its profile and in --vars: the path must reach it unrendered
    warehouse = tmp_path / "{{ x }}" / "{% raw %}" / "warehouse.duckdb"
    result = partner(
        "--landing", str(HANDMADE), "--warehouse", str(warehouse), "--as-of", "2026-06-30", "run"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no file rejected, no row quarantined" in result.stdout
    assert "is after the last export" not in result.stdout
    assert "Partner program as of 2026-06-30" in result.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select max(as_of_date) from marts.program_kpis").fetchone() == (
            dt.date(2026, 6, 30),
        )
    finally:
        con.close()


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-07-05", []),
        ("2026-06-01", []),
        ("2026-07-06", ["the as-of date 2026-07-06 is after the last export (2026-07-05)"]),
        (
            "2026-12-03",
            [
                "the as-of date 2026-12-03 is after the last export (2026-07-05)",
                "the as-of date 2026-12-03 is after today (2026-12-02)",
            ],
        ),
    ],
)
def test_as_of_warnings(as_of, expected):
    from dagster_project.run_report import as_of_warnings

    settings = Settings(HANDMADE, Path("/nowhere.duckdb"), dt.date.fromisoformat(as_of))
    warnings = as_of_warnings(settings, today=dt.date(2026, 12, 2))
    assert [w.split(":")[0] for w in warnings] == expected


# --- a failed first run: its rejections are still shown -------------------------------------------


def test_a_failed_first_run_logs_rejections_as_warnings_and_audit_still_shows_them(
    dirty_landing, tmp_path
):
    from dagster_dbt import get_asset_key_for_model

    from dagster_project.dbt import partner_dbt_assets
    from dagster_project.definitions import defs
    from dagster_project.jobs import NIGHTLY_JOB
    from dagster_project.resources import run_config

    @dg.asset_check(
        asset=get_asset_key_for_model([partner_dbt_assets], "program_kpis"), blocking=True
    )
    def always_fails() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)

    failing = dg.Definitions.merge(defs, dg.Definitions(asset_checks=[always_fails]))
    settings = Settings(dirty_landing, tmp_path / "wh" / "warehouse.duckdb", dt.date(2027, 1, 1))
    instance = dg.DagsterInstance.ephemeral()
    result = failing.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config=run_config(settings), instance=instance, raise_on_error=False
    )
    assert not result.success
    assert not settings.warehouse.exists()

    warnings = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == "WARNING" or entry.level == 30
    ]
    assert any("crm/2026-06-01/bogus.csv" in w and "rejected" in w for w in warnings), warnings
    assert any("crm/2026-06-02/opportunities.csv" in w for w in warnings), warnings
    assert any("affiliate/2026-06-02/referrals.csv" in w and "2 row" in w for w in warnings)
    assert any("after the last export (2026-07-05)" in w for w in warnings), warnings

    audit = partner("--warehouse", str(settings.warehouse), "audit")
    assert audit.returncode == 0, audit.stderr
    assert "did not publish" in audit.stdout
    assert "rejected crm/2026-06-01/bogus.csv:" in audit.stdout
    assert "rejected crm/2026-06-02/opportunities.csv:" in audit.stdout
    assert "2 rows quarantined in affiliate/2026-06-02/referrals.csv" in audit.stdout


# --- the first run on the bundled sample ----------------------------------------------------------


def test_a_run_on_the_bundled_sample_without_an_as_of_date_is_as_of_its_last_export(tmp_path):
    # the bundled sample's newest export folder is 2026-11-27 (data/landing/*/2026-11-27);
    # a folder as the warehouse makes the run stop right after it says which day it computes
    env = {"PARTNER_LANDING_DIR": "", "PARTNER_AS_OF": ""}
    result = partner("--warehouse", str(tmp_path), "run", env=env)
    assert "as of 2026-11-27, the bundled sample's last export date" in result.stdout
    assert "-> " + str(tmp_path) + " as of 2026-11-27" in result.stdout
    assert "is a folder" in _one_line_error(result)


@pytest.mark.parametrize(
    ("landing", "as_of_given", "expected"),
    [
        ("data/landing", False, dt.date(2026, 11, 27)),
        ("data/../data/landing", False, dt.date(2026, 11, 27)),  # the same folder spelt otherwise
        ("data/landing", True, None),
        (str(HANDMADE), False, None),
    ],
)
def test_only_the_bundled_sample_without_an_as_of_date_gets_its_last_export_date(
    landing, as_of_given, expected
):
    from dagster_project.run_report import sample_as_of

    settings = Settings.from_env({}, landing_dir=landing, today=dt.date(2027, 1, 1))
    assert sample_as_of(settings, as_of_given) == expected
