"""Reading the marts in tests: rows as dicts (one way, shared by every mart test)."""

import duckdb

# the attribution models of METRICS.md section 3, as named in marts.fct_partner_attribution
MODELS = (
    "sourced",
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "program",
)

# the marts of LANDING.md's public contract (plus the by-tier KPIs)
MARTS = (
    "dim_partners",
    "fct_opportunity_partner",
    "fct_partner_attribution",
    "program_kpis",
    "program_tier_kpis",
    "partner_tier_history",
    "fct_mdf_roi",
    "fct_partner_flags",
    "partner_type_kpis",
    "partner_scorecard",
    "fct_credit_trail",
    "fct_line_touches",
)


def query(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
