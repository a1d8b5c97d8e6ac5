"""`partner explain <line>`: one revenue line in words and figures a partner manager can paste
into an e-mail - its amount and conversion, how it was sourced (or why not), every touch linked
to it in order (counted, or why not), and each partner's credit and cents under each model.

Reads the served warehouse read-only, through the marts only (fct_opportunity_partner,
fct_line_touches, fct_credit_trail, fct_partner_attribution).
"""

from __future__ import annotations

import difflib
import sys
from decimal import Decimal

import duckdb

from dagster_project.readers import ATTRIBUTION_MODELS, connect_marts
from dagster_project.settings import Settings

MODELS = ATTRIBUTION_MODELS

SOURCE_RULES = {
    "deal_registration": "an approved deal registration",
    "referral": "a converted affiliate referral",
    "marketplace": "a marketplace transaction",
}

EXCLUDED = {
    "outside_window": "outside the influence window (the 365 days up to the close)",
    "same_day_duplicate": "a same-day duplicate (its partner's touch of this kind with the"
    " smaller id that day counts instead)",
    "registration_lapsed": "the registration expired before the opportunity was created",
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _money(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def closest_line_ids(con: duckdb.DuckDBPyConnection, line_id: str, count: int = 5) -> list[str]:
    ids = con.execute("select opportunity_id from marts.fct_opportunity_partner").fetchall()
    return difflib.get_close_matches(line_id, [row[0] for row in ids], n=count, cutoff=0.5)


def _line_section(line: dict) -> list[str]:
    kind = "marketplace-only line" if line["line_kind"] == "marketplace_only" else "opportunity"
    account = f", account {line['account_id']}" if line["account_id"] else ""
    if line["is_won"]:
        state = f"Closed won on {line['close_date']}."
    elif line["is_closed"]:
        state = f"Closed lost on {line['close_date']}: no revenue."
    else:
        state = f"Open (expected close {line['close_date']}): no revenue until won."
    amount = f"{_money(line['amount'])} {line['currency']}"
    if line["is_unconverted"]:
        conversion = (
            f"Amount {amount}: no {line['currency']} rate on or before {line['valued_on']}, so"
            " it stays unconverted and out of every USD total."
        )
    elif line["fx_rate"] == 1:
        conversion = f"Amount {amount} (the reporting currency)."
    else:
        conversion = (
            f"Amount {amount} x {line['fx_rate'].normalize():f} (the latest rate on or before"
            f" {line['valued_on']}) = {_money(line['amount_usd'])} USD."
        )
    return [
        f"Revenue line {line['opportunity_id']} ({kind}{account})",
        f"  {state} {conversion}",
        f"  Revenue: {_money(line['revenue_usd'])} USD.",
    ]


def _sourcing_section(line: dict, touches: list[dict]) -> list[str]:
    if line["sourcing_partner_id"]:
        rule = SOURCE_RULES.get(line["source_rule"], line["source_rule"])
        return [
            f"  Partner-sourced by {line['sourcing_partner_id']} through {rule}"
            f" ({line['sourcing_event_id']})."
        ]
    lapsed = [t for t in touches if t["excluded_reason"] == "registration_lapsed"]
    words = [
        "  Not partner-sourced: no approved deal registration, converted referral or marketplace"
        " transaction qualifies as its source."
    ]
    for touch in lapsed:
        words.append(
            f"  ({touch['partner_id']}'s registration {touch['touch_id']} had expired before the"
            " opportunity was created.)"
        )
    return words


def _touch_section(touches: list[dict], partner: str | None) -> list[str]:
    """Every linked touch in order; positions count among all the line's counted touches."""
    counted = sum(1 for t in touches if t["is_counted"])
    shown = [t for t in touches if partner is None or t["partner_id"] == partner]
    if not shown:
        return ["  No partner touch is linked to it."]
    words = [
        f"  {len(shown)} linked, {sum(1 for t in shown if t['is_counted'])} counted"
        " (in order of time, then id):"
    ]
    position = 0
    for touch in touches:
        if touch["is_counted"]:
            position += 1
        if touch not in shown:
            continue
        if touch["is_counted"]:
            verdict = f"counted, #{position} of {counted}"
        else:
            verdict = f"not counted: {EXCLUDED.get(touch['excluded_reason'])}"
        words.append(
            f"  - {_when(touch['touched_at'])}  {touch['partner_id']}  {touch['touch_kind']}"
            f" {touch['touch_id']}: {verdict}"
        )
    return words


def _credit_section(credits: list[dict], models: tuple[str, ...]) -> list[str]:
    if not credits:
        return [
            "  No partner credit: the line is neither partner-sourced nor touched in its window."
        ]
    by_cell = {(c["partner_id"], c["model"]): c for c in credits}
    partners = sorted({c["partner_id"] for c in credits})
    width = 20
    words = ["  " + "partner".ljust(12) + "".join(model.rjust(width) for model in models)]
    for partner in partners:
        cells = []
        for model in models:
            credit = by_cell.get((partner, model))
            text = (
                "-"
                if credit is None
                else f"{_money(credit['credited_revenue_usd'])} ({credit['credit']:.1%})"
            )
            cells.append(text.rjust(width))
        words.append("  " + partner.ljust(12) + "".join(cells))
    return words


def _trail_section(trail: list[dict]) -> list[str]:
    words = []
    for row in trail:
        position = f"#{row['touch_position']}" if row["touch_position"] else "sourcing event"
        words.append(
            f"  - {row['model']}: {row['partner_id']} {row['touch_kind']} {row['touch_id']}"
            f" ({position}, {_when(row['touched_at'])}): {row['share']:.4%} ="
            f" {_money(row['credited_revenue_usd'])} USD"
        )
    return words


def explain(
    con: duckdb.DuckDBPyConnection,
    line_id: str,
    partner: str | None = None,
    model: str | None = None,
) -> str | None:
    """The explanation of one line, or None when the line does not exist."""
    lines = _rows(
        con, "select * from marts.fct_opportunity_partner where opportunity_id = ?", [line_id]
    )
    if not lines:
        return None
    line = lines[0]
    only_partner = " and partner_id = ?" if partner else ""
    extra = [partner] if partner else []
    touches = _rows(
        con,
        "select * from marts.fct_line_touches where opportunity_id = ?"
        " order by touched_at, touch_id",
        [line_id],
    )
    credits = _rows(
        con,
        f"select * from marts.fct_partner_attribution where opportunity_id = ?{only_partner}",
        [line_id, *extra],
    )
    trail_model = model or "program"
    trail = _rows(
        con,
        "select * from marts.fct_credit_trail where opportunity_id = ? and model = ?"
        f"{only_partner} order by partner_id, touched_at, touch_id",
        [line_id, trail_model, *extra],
    )
    models = (model,) if model else MODELS
    about = f" of partner {partner}" if partner else ""
    words = [
        *_line_section(line),
        "",
        "How it was sourced",
        *_sourcing_section(line, touches),
        "",
        f"Touches{about}",
        *_touch_section(touches, partner),
        "",
        f"Credit{about} by model: credited USD (share of the line)",
        *_credit_section(credits, models),
    ]
    if trail:
        words += ["", f"Which touches earned the {trail_model} credit", *_trail_section(trail)]
    return "\n".join(words)


def print_explanation(
    settings: Settings, line_id: str, partner: str | None = None, model: str | None = None
) -> None:
    """Print the explanation of one line of the served warehouse; exit with a message naming the
    closest line ids when it has no such line."""
    try:
        con = connect_marts(settings)
    except FileNotFoundError as err:
        sys.exit(str(err))
    try:
        text = explain(con, line_id, partner=partner, model=model)
        closest = [] if text is not None else closest_line_ids(con, line_id)
    finally:
        con.close()
    if text is None:
        hint = f" Closest ids: {', '.join(closest)}." if closest else ""
        sys.exit(f"no revenue line {line_id!r} in {settings.warehouse}.{hint}")
    print(text)
