"""Warehouses for the dashboard and notebook tests, made once per session from the sample."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "landing"
SAMPLE_AS_OF = "2026-11-27"


def make_empty_program(sample: Path, out: Path) -> Path:
    """What a run on an empty landing folder publishes: every mart and audit table with no rows,
    except the daily KPI series (zeros, rates unknown), made from the sample's own schema."""
    con = duckdb.connect(str(out))
    try:
        con.execute(f"attach '{sample}' as sample (read_only)")
        for schema in ("marts", "audit"):
            con.execute(f"create schema {schema}")
            for (table,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'sample' and table_schema = ? and table_type = 'BASE TABLE'",
                [schema],
            ).fetchall():
                con.execute(
                    f"create table {schema}.{table} as "
                    f"select * from sample.{schema}.{table} limit 0"
                )
        con.execute(
            """
            insert into marts.program_kpis (as_of_date, total_revenue_usd,
                partner_sourced_revenue_usd, partner_influenced_revenue_usd, signed_partners,
                active_partners, partners_waiting_past_90d)
            select as_of_date, 0, 0, 0, 0, 0, 0 from sample.marts.program_kpis
            """
        )
    finally:
        con.close()
    return out
