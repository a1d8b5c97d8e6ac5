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


def query(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
