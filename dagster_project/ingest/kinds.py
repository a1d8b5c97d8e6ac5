"""Column kinds: the one table of what each kind of landing column is.

For each kind: its DuckDB type in `raw` (and so in the generated dbt sources), the Polars type the
reader produces, the parser from text, and the words of its error. Decimals also name the type the
dbt models cast them to (`macros/currency.sql` reads an amount as DECIMAL(20,4), 16 integer
digits like DECIMAL(18,2); `int_fx_rates_daily` casts rates to DECIMAL(18,10)): a value that does
not fit would pass ingest and then crash dbt, so the reader quarantines it. Converted amounts and
sums are DECIMAL(38,2) in the models (`money_type()`), wide enough for any total of such lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

# ISO-8601: a date, optionally a time ('T' or space) with optional seconds and fraction, and an
# optional 'Z' or +hh:mm / +hhmm / +hh offset.
_TIMESTAMP = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?(?:[Zz]|[+-]\d{2}(?::?\d{2})?))?)?$"
)
_DECIMAL = r"^[+-]?(?:\d+\.?\d*|\.\d+)$"
_WHOLE = r"^[+-]?\d+(?:\.0*)?$"

# Characters no one sees (Unicode category Cf: zero-width space and joiners U+200B..U+200D, word
# joiner U+2060, byte-order mark U+FEFF, soft hyphen, direction marks, ...). Pasted into an id
# they make a second partner that looks like the first, so ids lose them (`visible`).
_INVISIBLE = r"\p{Cf}"

# Dates and timestamps outside these years are typos or placeholders (0202, 1800, 9999), not
# events of a partner program: such a row is quarantined.
FIRST_YEAR = 1900
LAST_YEAR = 2100

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


@dataclass(frozen=True)
class ModelDecimal:
    """The DECIMAL(precision, scale) the dbt models cast a decimal kind to."""

    precision: int
    scale: int

    @property
    def sql(self) -> str:
        return f"DECIMAL({self.precision},{self.scale})"

    @property
    def integer_digits(self) -> int:
        return self.precision - self.scale

    @property
    def too_big(self) -> str:
        """The reason for a value that does not fit."""
        return (
            f"does not fit {self.sql} (at most {self.integer_digits} digits before the point, "
            f"once rounded to {self.scale} decimal places)"
        )

    def fits(self, value: pl.Expr) -> pl.Expr:
        """Whether the value, rounded half away from zero to the scale, fits the type."""
        limit = Decimal(10) ** self.integer_digits - Decimal(5).scaleb(-(self.scale + 1))
        return value.abs() < pl.lit(limit)


@dataclass(frozen=True, eq=False)  # kinds are compared by identity: each one exists once
class Kind:
    name: str
    raw_type: str  # DuckDB type of its columns in `raw`
    polars_type: pl.DataType  # what the reader's frame holds (DuckDB stores it as raw_type)
    parse: Callable[[pl.Expr], pl.Expr]  # stripped, non-empty text -> value; null if it does not
    expected: str  # a value that does not parse "is not <expected>"
    model_decimal: ModelDecimal | None = None  # decimals: the type the dbt models cast to

    @property
    def scale(self) -> int:
        """Decimal places kept in `raw` (decimal kinds only)."""
        return self.polars_type.scale

    def __repr__(self) -> str:
        return f"Kind({self.name})"


def visible(text: pl.Expr) -> pl.Expr:
    """Text without invisible characters anywhere, nor whitespace (NBSP too) at its ends."""
    return text.str.replace_all(_INVISIBLE, "").str.strip_chars()


def _parse_timestamp(text: pl.Expr) -> pl.Expr:
    """ISO-8601 text -> naive UTC Datetime(us); null where it does not parse.

    The shape is checked with one regex; the parsing itself is Polars' native parser over a
    few fixed formats (regex captures are ~40x slower on millions of rows).
    """
    shaped = text.str.contains(_TIMESTAMP)
    norm = (
        text.str.replace("T", " ", literal=True, n=1)
        .str.replace("t", " ", literal=True, n=1)
        .str.replace("Z", "+00:00", literal=True, n=1)
        .str.replace("z", "+00:00", literal=True, n=1)
        .str.replace(",", ".", literal=True, n=1)
        .str.replace(" +", "+", literal=True, n=1)
        .str.replace(" -", "-", literal=True, n=1)
    )

    def aware(fmt: str) -> pl.Expr:
        stamp = norm.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        return stamp.dt.replace_time_zone(None)

    def naive(fmt: str) -> pl.Expr:
        return norm.str.to_datetime(fmt, strict=False, time_unit="us")

    day = norm.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    stamp = pl.coalesce(
        naive("%Y-%m-%d %H:%M:%S%.f"),
        aware("%Y-%m-%d %H:%M:%S%.f%#z"),
        naive("%Y-%m-%d %H:%M"),
        aware("%Y-%m-%d %H:%M%#z"),
        pl.when(norm.str.len_bytes() == 10).then(day),
    )
    return pl.when(shaped).then(stamp)


def _parse_date(text: pl.Expr) -> pl.Expr:
    return _parse_timestamp(text).dt.date()


def _decimal_parser(dtype: pl.Decimal) -> Callable[[pl.Expr], pl.Expr]:
    """Plain decimal text -> Decimal, rounded half away from zero to the type's scale.

    Polars' own parser rounds half to even; the two differ only on an exact half (a 5 right
    after the kept digits, then only zeros), which is parsed one digit finer and pushed away
    from zero by that half, so the result stays exact (no float on the way).
    """
    scale = dtype.scale

    def parse(text: pl.Expr) -> pl.Expr:
        plain = pl.when(text.str.contains(_DECIMAL)).then(text)
        exact_half = plain.str.contains(rf"\.\d{{{scale}}}50*$")
        half = Decimal(5).scaleb(-(scale + 1))
        finer = plain.str.to_decimal(scale=scale + 1)
        away = pl.when(plain.str.starts_with("-")).then(finer - half).otherwise(finer + half)
        value = pl.when(exact_half).then(away).otherwise(plain.str.to_decimal(scale=scale))
        return value.cast(dtype, strict=False)

    return parse


def _parse_number(text: pl.Expr) -> pl.Expr:
    number = text.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def _parse_integer(text: pl.Expr) -> pl.Expr:
    whole = text.str.contains(_WHOLE)
    digits = text.str.replace(r"\.0*$", "")
    return pl.when(whole).then(digits.cast(pl.Int64, strict=False))


def _parse_boolean(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)


def _decimal(name: str, raw: pl.Decimal, model: ModelDecimal) -> Kind:
    digits = model.integer_digits
    return Kind(
        name,
        f"DECIMAL({raw.precision}, {raw.scale})",
        raw,
        _decimal_parser(raw),
        f"a decimal number (at most {digits} digits before the point)",
        model,
    )


STRING = Kind("string", "VARCHAR", pl.String(), lambda text: text, "text")
# A key or a reference to one (partner_id, account_id, ...): text whose invisible characters are
# removed before it is read (validation.py), so a pasted zero-width space makes no new record.
IDENTIFIER = Kind("identifier", "VARCHAR", pl.String(), lambda text: text, "an identifier")
# ISO-8601; a date alone is midnight UTC; offsets are converted to UTC
TIMESTAMP = Kind(
    "timestamp", "TIMESTAMP", pl.Datetime("us"), _parse_timestamp, "an ISO-8601 timestamp"
)
DATE = Kind("date", "DATE", pl.Date(), _parse_date, "an ISO-8601 date")
# A decimal amount; its currency code stands in a sibling column. The models convert it into the
# reporting currency rounded to the cent.
MONEY = _decimal("money", pl.Decimal(20, 4), ModelDecimal(18, 2))
# An fx rate: units of USD per unit of currency.
RATE = _decimal("rate", pl.Decimal(24, 10), ModelDecimal(18, 10))
# A real number (e.g. strategic_value_score).
NUMBER = Kind("number", "DOUBLE", pl.Float64(), _parse_number, "a number")
INTEGER = Kind("integer", "BIGINT", pl.Int64(), _parse_integer, "a whole number")
# true/false, t/f, yes/no, y/n, 1/0, any case
BOOLEAN = Kind(
    "boolean", "BOOLEAN", pl.Boolean(), _parse_boolean, "a boolean (true/false, yes/no, 1/0)"
)

KINDS: tuple[Kind, ...] = (
    STRING,
    IDENTIFIER,
    TIMESTAMP,
    DATE,
    MONEY,
    RATE,
    NUMBER,
    INTEGER,
    BOOLEAN,
)
