"""Dates, date-times and numbers as a tool shows them in its user's locale, to canonical text.

Report exports (Salesforce "Details only" CSV) write values the way the exporting user sees
them: `28/03/2024` and `120,000.00` for en_GB, `3/28/2024` for en_US, `28.03.2024` and
`120.000,00` for de_DE. A format declares its export's `locale`; each column it parses this way
becomes ISO text (`2024-03-28`, `2024-03-28 15:45:00`, `120000.00`), or null when the value
does not have the locale's shape (the caller quarantines that row). Vectorised Polars only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Locale:
    order: str  # the order of day, month and year in a date: "dmy", "mdy" or "ymd"
    decimal: str  # the decimal separator
    group: str  # the thousands separators (any of these characters)

    def date_shape(self) -> str:
        return {"dmy": "DD/MM/YYYY", "mdy": "MM/DD/YYYY", "ymd": "YYYY-MM-DD"}[self.order]


# Salesforce's locale codes. Separators between date parts may be / . or -, so the order is
# what tells locales apart. Spaces as group separators include the no-break spaces Salesforce
# writes for fr_FR and sv_SE.
_SPACES = " \u00a0\u202f"
LOCALES: dict[str, Locale] = {
    "en_US": Locale("mdy", ".", ","),
    "en_CA": Locale("dmy", ".", ","),
    "en_GB": Locale("dmy", ".", ","),
    "en_IE": Locale("dmy", ".", ","),
    "en_AU": Locale("dmy", ".", ","),
    "en_NZ": Locale("dmy", ".", ","),
    "de_DE": Locale("dmy", ",", "."),
    "de_AT": Locale("dmy", ",", "." + _SPACES),
    "de_CH": Locale("dmy", ".", "'\u2019"),
    "fr_FR": Locale("dmy", ",", _SPACES),
    "fr_CA": Locale("ymd", ",", _SPACES),
    "es_ES": Locale("dmy", ",", "."),
    "it_IT": Locale("dmy", ",", "."),
    "nl_NL": Locale("dmy", ",", "."),
    "pt_BR": Locale("dmy", ",", "."),
    "sv_SE": Locale("ymd", ",", _SPACES),
    "ja_JP": Locale("ymd", ".", ","),
}

_PARTS = {"d": r"(\d{1,2})", "m": r"(\d{1,2})", "y": r"(\d{4})"}
# An optional time after the date: `15:45`, `15:45:10`, `3:45 PM`, after a space or ", ".
_TIME = r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"


def _date_pattern(loc: Locale) -> str:
    return r"^\s*" + r"[./-]".join(_PARTS[p] for p in loc.order) + _TIME + r"\s*$"


def _iso_date(loc: Locale, groups: pl.Expr) -> pl.Expr:
    field = {p: groups.struct.field(str(i + 1)) for i, p in enumerate(loc.order)}
    return pl.concat_str(
        [field["y"], field["m"].str.zfill(2), field["d"].str.zfill(2)], separator="-"
    )


def parse_date(text: pl.Expr, loc: Locale) -> pl.Expr:
    """`28/03/2024` (en_GB) -> `2024-03-28`; a time after the date is dropped. Null when the
    value is not a real date in the locale's order."""
    groups = text.str.extract_groups(_date_pattern(loc))
    iso = _iso_date(loc, groups)
    return pl.when(iso.str.to_date("%Y-%m-%d", strict=False).is_not_null()).then(iso)


def parse_datetime(text: pl.Expr, loc: Locale) -> pl.Expr:
    """`28/03/2024 15:45` or `3/28/2024, 3:45 PM` -> a local datetime (no zone); a date alone is
    midnight. Null when the value is not a real date-time in the locale's order."""
    groups = text.str.extract_groups(_date_pattern(loc))
    hour = groups.struct.field("4").cast(pl.Int32, strict=False).fill_null(0)
    meridiem = groups.struct.field("7").str.to_lowercase()
    hour = (
        pl.when(meridiem.is_null())
        .then(hour)
        .when(hour.is_between(1, 12).not_())
        .then(None)  # `13:00 PM` is no time
        .otherwise(hour % 12 + pl.when(meridiem == "pm").then(12).otherwise(0))
    )
    stamp = pl.concat_str(
        [
            _iso_date(loc, groups),
            pl.lit(" "),
            hour.cast(pl.String).str.zfill(2),
            pl.lit(":"),
            groups.struct.field("5").fill_null("00"),
            pl.lit(":"),
            groups.struct.field("6").fill_null("00"),
        ]
    )
    return stamp.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)


def parse_number(text: pl.Expr, loc: Locale) -> pl.Expr:
    """`120,000.00` (en_GB) or `120.000,00` (de_DE) -> `120000.00`; a leading ISO currency code
    (`USD 120,000.00`, multi-currency orgs) is dropped. Null when the value is not a number in
    the locale's shape (e.g. `1,5` in en_GB)."""
    plain = text.str.strip_chars(_SPACES).str.replace(r"^[A-Z]{3}[" + _SPACES + r"]+", "")
    group, decimal = f"[{re.escape(loc.group)}]", re.escape(loc.decimal)
    # Digits grouped by threes, or not grouped at all; then the decimals.
    shape = rf"^[+-]?(\d{{1,3}}({group}\d{{3}})+|\d+)({decimal}\d+)?$"
    number = plain.str.replace_all(group, "").str.replace(decimal, ".")
    return pl.when(plain.str.contains(shape)).then(number)
