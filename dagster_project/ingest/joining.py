"""Apply a format's joins: the columns of an export's other files added to its main file's rows.

Vectorised Polars: each joined file becomes one frame keyed by its `on` columns (its last row per
key, or its rows added up per key by `aggregate`), left-joined onto the main rows in their order,
so the main file keeps one row per line and its line numbers. Joined columns are named
`<alias>.<column>` for the mapping's `from`.
"""

from __future__ import annotations

import polars as pl

from dagster_project.ingest.export_formats import ExportFormat
from dagster_project.ingest.export_parts import MAIN, Aggregate, Join
from dagster_project.ingest.parsing import Table, cell, normalise_name

# Sums are exact decimals: money never goes through binary floating point.
_NUMBER = pl.Decimal(38, 9)


class JoinFailed(ValueError):
    """A join the files cannot satisfy (a declared column is missing): the export is rejected."""


def header_lookup(header: list[str]) -> dict[str, str]:
    """Normalised header name -> body cell (the first, when a name appears twice)."""
    lookup: dict[str, str] = {}
    for i, name in enumerate(header):
        lookup.setdefault(normalise_name(name), cell(i))
    return lookup


def text(column: str) -> pl.Expr:
    """A cell as trimmed text, empty as null."""
    value = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(value != "").then(value)


def join_parts(
    fmt: ExportFormat, main: Table, others: dict[str, Table]
) -> tuple[pl.DataFrame, dict[str, str], list[pl.Expr]]:
    """The main body with every joined column, the name -> body column lookup, and the error
    expressions of aggregated values that are not numbers. An optional file that is absent adds
    no columns (the canonical columns read from it stay empty)."""
    body = main.body
    lookup = header_lookup(main.header)
    errors: list[pl.Expr] = []
    for n, join in enumerate(fmt.joins):
        part = main if join.file == MAIN else others.get(join.file)
        if part is None:
            continue
        right, columns, errs = _right(join, part, n)
        left_keys = []
        for i, (left, _) in enumerate(join.on):
            source = lookup.get(normalise_name(left))
            if source is None:
                raise JoinFailed(f"the file has no column {left}, which joins {join.file}")
            left_keys.append(text(source).alias(f"_lk{n}_{i}"))
        names = [f"_lk{n}_{i}" for i in range(len(join.on))]
        body = (
            body.with_columns(left_keys)
            .join(
                right,
                left_on=names,
                right_on=[f"_rk{n}_{i}" for i in range(len(join.on))],
                how="left",
                maintain_order="left",
            )
            .drop(names)
        )
        lookup.update(columns)
        errors += errs
    return body, lookup, errors


def _right(join: Join, part: Table, n: int) -> tuple[pl.DataFrame, dict[str, str], list[pl.Expr]]:
    """The joined file as one frame keyed _rk<n>_<i>; its columns for the lookup; its errors."""
    lookup = header_lookup(part.header)

    def column(name: str) -> pl.Expr:
        source = lookup.get(normalise_name(name))
        if source is None:
            raise JoinFailed(f"its {join.file} file has no column {name}")
        return text(source)

    keys = [column(right).alias(f"_rk{n}_{i}") for i, (_, right) in enumerate(join.on)]
    key_names = [f"_rk{n}_{i}" for i in range(len(join.on))]
    frame = part.body.with_columns(keys).filter(pl.all_horizontal(pl.col(key_names).is_not_null()))
    prefix = f"_j{n}_"
    if not join.aggregate:
        values = [
            text(source).alias(f"{prefix}{name}")
            for name, source in lookup.items()
            if name not in {normalise_name(r) for _, r in join.on}
        ]
        right = frame.select(*key_names, *values).unique(
            key_names, keep="last", maintain_order=True
        )
        columns = {f"{normalise_name(join.alias)}.{name}": f"{prefix}{name}" for name in lookup}
        # the file's key columns read as the main file's values they matched
        for (_, r), k in zip(join.on, key_names, strict=True):
            right = right.with_columns(pl.col(k).alias(f"{prefix}{normalise_name(r)}"))
        return right, columns, []

    aggs, columns, errors = [], {}, []
    for agg in join.aggregate:
        value, bad = _aggregate(agg, column)
        name = f"{prefix}{normalise_name(agg.name)}"
        aggs.append(value.alias(name))
        columns[f"{normalise_name(join.alias)}.{normalise_name(agg.name)}"] = name
        if bad is not None:
            aggs.append(bad.alias(f"{name}_bad"))
            errors.append(
                pl.when(pl.col(f"{name}_bad").fill_null(False)).then(
                    pl.lit(f"{join.alias}.{agg.name}: a value of {agg.column} is not a number")
                )
            )
    right = frame.group_by(key_names, maintain_order=True).agg(aggs)
    return right, columns, errors


def _aggregate(agg: Aggregate, column) -> tuple[pl.Expr, pl.Expr | None]:
    value = column(agg.column)
    keep = value.is_null() | value.is_not_null()  # every row (a column, not a scalar literal)
    for name, values in agg.where:
        try:
            where = column(name)
        except JoinFailed:
            continue  # a filter column the export does not carry keeps every row
        keep = keep & where.str.to_lowercase().is_in(list(values)).fill_null(False)
    if agg.how == "count":
        return keep.sum().cast(pl.String), None
    if agg.how == "first":
        return value.filter(keep).drop_nulls().first(), None
    if agg.how in ("min", "max"):  # as text: right for ISO-8601 dates and times
        kept = value.filter(keep)
        return (kept.min() if agg.how == "min" else kept.max()), None
    number = value.cast(_NUMBER, strict=False)
    bad = (value.is_not_null() & number.is_null() & keep).any()
    total = number.filter(keep).sum()
    # trailing zeros of the fixed scale dropped: 73.500000000 -> 73.5
    shown = total.cast(pl.String).str.replace(r"\.?0+$", "")
    shown = pl.when(shown.is_in(["", "-"])).then(pl.lit("0")).otherwise(shown)
    return shown, bad
