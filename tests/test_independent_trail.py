"""The credit trail and the linked touches (METRICS.md section 10), worked out by the independent
model of tests/test_independent_model.py straight from the sample's CSV exports and compared with
marts.fct_credit_trail, marts.fct_line_touches and fct_opportunity_partner.sourcing_event_id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_independent_model import (
    FIRST_WEIGHT,
    HALF_LIFE,
    LANDING,
    LAST_WEIGHT,
    WINDOW_DAYS,
    D,
    Line,
    Model,
    Touch,
    _allocate_cents,
    _compare,
    build_model,
)

TOUCH_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, D.isoformat())


@pytest.fixture(scope="module")
def model() -> Model:
    return build_model()


def _window_touches(line: Line) -> list[Touch]:
    if line.kind == "marketplace_only":  # its one touch is the transaction itself
        return [line.source_event]
    return line.touches


def _touch_shares(touches: list[Touch], line: Line) -> dict[str, list[float]]:
    n = len(touches)
    if n == 1:
        position = [1.0]
    elif n == 2:
        position = [0.5, 0.5]
    else:
        middle = (1 - FIRST_WEIGHT - LAST_WEIGHT) / (n - 2)
        position = [FIRST_WEIGHT] + [middle] * (n - 2) + [LAST_WEIGHT]
    decay = [2 ** (-(line.window_end - t.day).days / HALF_LIFE) for t in touches]
    return {
        "first_touch": [1.0] + [0.0] * (n - 1),
        "last_touch": [0.0] * (n - 1) + [1.0],
        "linear": [1 / n] * n,
        "position_based": position,
        "time_decay": [w / sum(decay) for w in decay],
    }


def independent_trail(model: Model) -> dict[tuple, tuple]:
    """(line, model, touch kind, touch id) -> (partner, position, share, credited revenue)."""
    trail: dict[tuple, tuple] = {}
    for line in model.lines.values():
        if not line.influenced:
            continue
        touches = _window_touches(line)
        rows: dict[str, list[tuple[Touch, int | None, float]]] = {}
        event = line.source_event
        if event:
            ids = [(t.kind, t.touch_id) for t in touches]
            place = (
                ids.index((event.kind, event.touch_id)) + 1
                if (event.kind, event.touch_id) in ids
                else None
            )
            rows["sourced"] = [(event, place, 1.0)]
        if touches:
            for name, shares in _touch_shares(touches, line).items():
                rows[name] = [
                    (t, i, s) for i, (t, s) in enumerate(zip(touches, shares, strict=True), 1)
                ]
        else:
            for name in TOUCH_MODELS:
                rows[name] = rows["sourced"]
        rows["program"] = rows["sourced"] if event else rows["position_based"]
        for name, model_rows in rows.items():
            model_rows = [r for r in model_rows if r[2] > 0]
            for partner in {t.partner for t, _, _ in model_rows}:
                own = [r for r in model_rows if r[0].partner == partner]
                credit = sum(share for _, _, share in own)
                total = model.credited[(line.line_id, partner, name)]
                cents = (
                    _allocate_cents(total, {(t.at, t.touch_id): s / credit for t, _, s in own})
                    if total is not None
                    else None
                )
                for touch, place, share in own:
                    trail[(line.line_id, name, touch.kind, touch.touch_id)] = (
                        partner,
                        place,
                        share,
                        cents[(touch.at, touch.touch_id)] if cents else None,
                    )
    return trail


def independent_line_touches(model: Model) -> dict[tuple, tuple]:
    """(line, touch kind, touch id) -> (partner, is_counted, excluded_reason)."""
    out: dict[tuple, tuple] = {}
    for line in model.lines.values():
        if line.kind == "marketplace_only":
            event = line.source_event
            out[(line.line_id, event.kind, event.touch_id)] = (event.partner, True, None)
            continue
        smallest: dict[tuple, str] = {}
        for t in line.linked:
            key = (t.partner, t.kind, t.day)
            smallest[key] = min(smallest.get(key, t.touch_id), t.touch_id)
        for t in line.linked:
            if t.touch_id != smallest[(t.partner, t.kind, t.day)]:
                reason = "same_day_duplicate"
            elif not (0 <= (line.window_end - t.day).days <= WINDOW_DAYS):
                reason = "outside_window"
            else:
                reason = None
            out[(line.line_id, t.kind, t.touch_id)] = (t.partner, reason is None, reason)
        for t in line.lapsed:
            out[(line.line_id, t.kind, t.touch_id)] = (t.partner, False, "registration_lapsed")
    return out


def test_the_sample_has_every_kind_of_row(model):
    reasons = {v[2] for v in independent_line_touches(model).values()}
    assert {None, "outside_window", "same_day_duplicate"} <= reasons
    assert any(place is None for _, place, _, _ in independent_trail(model).values())


def test_the_credit_trail_matches(model, con):
    theirs = {
        (r[0], r[1], r[2], r[3]): (r[4], r[5], r[6], r[7])
        for r in con.execute(
            "select opportunity_id, model, touch_kind, touch_id, partner_id, touch_position,"
            " share, credited_revenue_usd from marts.fct_credit_trail"
        ).fetchall()
    }
    mine = independent_trail(model)
    partners = {k: v[0] for k, v in mine.items()}
    _compare("fct_credit_trail partner", partners, {k: v[0] for k, v in theirs.items()})
    for field, index in (("touch_position", 1), ("share", 2), ("credited_revenue_usd", 3)):
        _compare(
            f"fct_credit_trail.{field}",
            {k: v[index] for k, v in mine.items()},
            {k: v[index] for k, v in theirs.items() if k in mine},
        )


def test_the_linked_touches_match(model, con):
    theirs = {
        (r[0], r[1], r[2]): (r[3], r[4], r[5])
        for r in con.execute(
            "select opportunity_id, touch_kind, touch_id, partner_id, is_counted, excluded_reason"
            " from marts.fct_line_touches"
        ).fetchall()
    }
    _compare("fct_line_touches", independent_line_touches(model), theirs)


def test_the_sourcing_event_matches(model, con):
    theirs = dict(
        con.execute(
            "select opportunity_id, sourcing_event_id from marts.fct_opportunity_partner"
        ).fetchall()
    )
    mine = {
        k: (line.source_event.touch_id if line.source_event else None)
        for k, line in model.lines.items()
    }
    _compare("fct_opportunity_partner.sourcing_event_id", mine, theirs)


def test_cents_are_money(model):
    assert all(
        v[3] is None or v[3] == v[3].quantize(Decimal("0.01"))
        for v in independent_trail(model).values()
    )
