"""Known export formats: load and check the YAML mappings in formats/, one file per tool export.

A mapping says which canonical entity a tool's export holds, how to recognise the export by its
header, and where each canonical column comes from (a source column or a constant) with a few
declarative value transforms. formats/README.md documents the vocabulary; this module reads the
mappings, checks them and recognises a header; mapping.py applies one to a file.
"""

from __future__ import annotations

import functools
import os
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import yaml

from dagster_project.ingest.entities import Entity, entity
from dagster_project.ingest.export_parts import MAIN, FilePart, Join, parts
from dagster_project.ingest.locales import LOCALES, Locale
from dagster_project.ingest.parsing import normalise_name

FORMATS_DIR = Path(__file__).parent / "formats"
# A folder of an organisation's own mappings, read beside the bundled ones (formats/README.md).
EXTRA_FORMATS_ENV = "PARTNER_EXTRA_FORMATS_DIR"

# `description` is for the people reading the file; nothing reads it.
_FORMAT_KEYS = {
    "name",
    "description",
    "tool",
    "entity",
    "recognise",
    "columns",
    "skip_rows",
    "files",
    "join",
    "locale",
    "ends_at_blank_line",
    "distinct_pairs",
}
_COLUMN_KEYS = {
    "from",
    "value",
    "first_of",
    "map",
    "epoch",
    "minor_units",
    "format",
    "time_zone",
    "default",
    "negate",
    "empty_if_same_as",
    "parse",
    "salesforce_id",
    "concat",
}
_SKIP_KEYS = {"column", "values", "empty", "not_empty", "reason"}
_PAIR_KEYS = {"pair", "within", "reason"}
EPOCH_UNITS = ("s", "ms")
PARSE_KINDS = ("date", "datetime", "number")  # `parse:` values, read in the format's locale


class FormatError(ValueError):
    """A mapping file that is not valid (raised when the formats are loaded)."""


@dataclass(frozen=True)
class ColumnRule:
    target: str  # canonical column
    sources: tuple[str, ...] = ()  # header names as declared; the first non-empty one wins
    value: str | None = None  # a constant instead of a source
    first_of: str | None = None  # separator of a multi-valued cell: keep the first value
    value_map: tuple[tuple[str, str], ...] = ()  # (normalised source value, canonical value)
    epoch: str | None = None  # "ms" or "s": seconds/milliseconds since 1970-01-01 UTC
    minor_units: int | None = None  # digits of the minor unit: 2 = cents
    formats: tuple[str, ...] = ()  # strptime formats of a local date-time
    time_zone: str = "UTC"  # IANA zone of those local date-times
    default: str | None = None  # canonical value when the source is absent or empty
    negate: bool = False  # a number's sign flipped (a fee booked as a negative amount)
    empty_if_same_as: str | None = None  # empty when equal to this other column's value
    parse: str | None = None  # one of PARSE_KINDS: a value shown in the format's locale
    locale: Locale | None = None  # the format's locale (with `parse`)
    locale_name: str | None = None
    salesforce_id: bool = False  # a 15-character Salesforce id -> its 18-character form
    concat: str | None = None  # join all `from` values with this (instead of the first non-empty)


@dataclass(frozen=True)
class SkipRule:
    column: str
    values: tuple[str, ...]  # normalised (lower case)
    empty: bool
    reason: str
    not_empty: bool = False  # any value (a key found in a joined file: a merged-away record)


@dataclass(frozen=True)
class DistinctPairs:
    """Rows naming the same two values in `pair`, in either order (a relationship exported
    forward and reverse), with equal `within` values: the first in the file is kept, the others
    are set aside with `reason`."""

    pair: tuple[str, str]
    within: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ExportFormat:
    name: str
    entity: Entity
    recognise: tuple[str, ...]  # header names as declared
    columns: tuple[ColumnRule, ...]
    skip_rows: tuple[SkipRule, ...]
    path: Path
    files: tuple[FilePart, ...] = ()  # the other files of a multi-file export
    joins: tuple[Join, ...] = ()
    ends_at_blank_line: bool = False  # the rows from the first blank line on are a footer
    distinct_pairs: DistinctPairs | None = None
    # the tool that exports it (salesforce, partnerstack...): the partner crosswalk's `tool`
    tool: str | None = None

    @property
    def is_multi_file(self) -> bool:
        return bool(self.files)

    def matches(self, header: list[str]) -> bool:
        names = {normalise_name(h) for h in header}
        return all(normalise_name(r) in names for r in self.recognise)

    @property
    def used_columns(self) -> set[str]:
        """Normalised header names the mapping reads (the rest of a file's columns are ignored)."""
        used = {normalise_name(s) for rule in self.columns for s in rule.sources}
        used |= {normalise_name(s.column) for s in self.skip_rows}
        if self.distinct_pairs is not None:
            pairs = self.distinct_pairs
            used |= {normalise_name(c) for c in pairs.pair + pairs.within}
        used |= {normalise_name(left) for j in self.joins for left, _ in j.on}
        used |= {
            normalise_name(a.column) for j in self.joins if j.file == MAIN for a in j.aggregate
        }
        used |= {
            normalise_name(c)
            for j in self.joins
            if j.file == MAIN
            for a in j.aggregate
            for c, _ in a.where
        }
        return used | {normalise_name(r) for r in self.recognise}


# --------------------------------------------------------------------------------------------
# Loading and checking the mapping files


def known_formats(directory: Path | None = None) -> tuple[ExportFormat, ...]:
    """Every mapping in the folder (default: this one, plus the folder named by
    PARTNER_EXTRA_FORMATS_DIR), most specific first: more recognition columns, then name.

    Most specific first, so that an export whose header is a superset of another's (Salesforce
    Partner has every OpportunityPartner column plus AccountFromId) is recognised as itself.
    """
    if directory is not None:
        return _known_formats((Path(directory),))
    extra = os.environ.get(EXTRA_FORMATS_ENV)
    folders = (Path(FORMATS_DIR),) + ((Path(extra),) if extra else ())
    return _known_formats(folders)


@functools.cache
def _known_formats(folders: tuple[Path, ...]) -> tuple[ExportFormat, ...]:
    by_name: dict[str, ExportFormat] = {}
    for folder in folders:
        found = [_load(path) for path in sorted(folder.glob("*.yml"))]
        names = [f.name for f in found]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise FormatError(f"export format name declared twice: {', '.join(twice)}")
        # A later folder's format replaces the bundled one of the same name (its own locale,
        # time zone or labels), so adapting a format to an org is a copy, not an edit.
        by_name.update((f.name, f) for f in found)
    return tuple(sorted(by_name.values(), key=lambda f: (-len(f.recognise), f.name)))


def recognise(header: list[str], multi_file: bool = False) -> ExportFormat | None:
    """The first known format whose recognition columns are all in the header, else None.
    Multi-file formats only when asked: their main file is used only with its partner files."""
    for fmt in known_formats():
        if fmt.matches(header) and (multi_file or not fmt.is_multi_file):
            return fmt
    return None


def _load(path: Path) -> ExportFormat:
    def fail(message: str) -> FormatError:
        return FormatError(f"export format {path.name}: {message}")

    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise fail(f"is not valid YAML ({err})") from err
    if not isinstance(spec, dict):
        raise fail("must be a mapping with name, entity, recognise and columns")
    _no_unknown_keys(spec, _FORMAT_KEYS, "", fail)
    for key in ("name", "entity", "recognise", "columns"):
        if not spec.get(key):
            raise fail(f"'{key}' is missing")
    try:
        source, name = str(spec["entity"]).split("/")
        ent = entity(source, name)
    except (ValueError, KeyError) as err:
        raise fail(f"entity '{spec['entity']}' is not a canonical <source>/<entity>") from err
    recognised = _names(spec["recognise"], "recognise", fail)
    if not isinstance(spec["columns"], dict):
        raise fail("'columns' must map each canonical column to its source")
    locale = spec.get("locale")
    if locale is not None and locale not in LOCALES:
        raise fail(f"unknown locale '{locale}'; known: {', '.join(LOCALES)}")
    ends_at_blank_line = spec.get("ends_at_blank_line", False)
    if not isinstance(ends_at_blank_line, bool):
        raise fail("ends_at_blank_line must be true or false")
    known = {c.name for c in ent.all_columns}
    rules = []
    for target, rule in spec["columns"].items():
        if target not in known:
            raise fail(f"'{target}' is not a column of {ent.qualified_name}")
        rules.append(_column_rule(target, rule, fail, locale))
    mapped = {r.target for r in rules}
    missing = [
        c.name
        for c in ent.columns
        if c.required and c.name not in mapped and c.unless not in mapped
    ]
    if missing:
        raise fail(f"required column(s) of {ent.qualified_name} not mapped: {', '.join(missing)}")
    skips = [_skip_rule(s, fail) for s in spec.get("skip_rows") or []]
    files, joins = parts(spec, fail)
    pairs = _distinct_pairs(spec["distinct_pairs"], fail) if "distinct_pairs" in spec else None
    tool = spec.get("tool")
    if tool is not None and not re.fullmatch(r"[a-z][a-z0-9_]*", str(tool)):
        raise fail(f"tool '{tool}' must be a lower-case word (letters, digits, _)")
    return ExportFormat(
        name=str(spec["name"]),
        entity=ent,
        recognise=recognised,
        columns=tuple(rules),
        skip_rows=tuple(skips),
        path=path,
        files=files,
        joins=joins,
        ends_at_blank_line=ends_at_blank_line,
        distinct_pairs=pairs,
        tool=tool,
    )


def _no_unknown_keys(spec: dict, allowed: set[str], where: str, fail) -> None:
    unknown = sorted(set(map(str, spec)) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise fail(f"{where}unknown key(s) {', '.join(unknown)}; known: {known}")


def _names(value, key: str, fail) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail(f"'{key}' must be a column name or a list of column names")
    return tuple(names)


def _text(value) -> str:
    """A YAML scalar as text; YAML booleans become true/false, not Python's True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _column_rule(target: str, rule, fail, locale: str | None = None) -> ColumnRule:
    if isinstance(rule, str):
        return ColumnRule(target, sources=(rule,))
    if not isinstance(rule, dict):
        raise fail(f"{target}: give a source column name or a mapping with 'from' or 'value'")
    _no_unknown_keys(rule, _COLUMN_KEYS, f"{target}: ", fail)
    if ("from" in rule) == ("value" in rule):
        raise fail(f"{target}: give exactly one of 'from' (a source column) or 'value'")
    if "value" in rule:
        if len(rule) > 1:
            raise fail(f"{target}: a constant 'value' takes no transform")
        return ColumnRule(target, value=_text(rule["value"]))
    conversions = [k for k in ("epoch", "minor_units", "format", "parse") if k in rule]
    if len(conversions) + bool(rule.get("salesforce_id")) > 1:
        raise fail(f"{target}: use at most one of epoch, minor_units, format, parse, salesforce_id")
    parse = rule.get("parse")
    if parse is not None and parse not in PARSE_KINDS:
        raise fail(f"{target}: parse must be one of {', '.join(PARSE_KINDS)}")
    if parse is not None and locale is None:
        raise fail(f"{target}: parse reads values in the format's locale: declare `locale`")
    salesforce_id = rule.get("salesforce_id", False)
    concat = rule.get("concat")
    if not isinstance(salesforce_id, bool):
        raise fail(f"{target}: salesforce_id must be true or false")
    if concat is not None and not isinstance(concat, str):
        raise fail(f"{target}: concat is the text put between the `from` values")
    epoch = rule.get("epoch")
    if epoch is not None and epoch not in EPOCH_UNITS:
        raise fail(f"{target}: epoch must be 'ms' or 's'")
    minor = rule.get("minor_units")
    if minor is not None and (isinstance(minor, bool) or not isinstance(minor, int) or minor < 1):
        raise fail(f"{target}: minor_units must be a whole number of digits >= 1 (2 = cents)")
    formats = _names(rule["format"], "format", fail) if "format" in rule else ()
    zone = str(rule.get("time_zone", "UTC"))
    if "time_zone" in rule and not formats and parse != "datetime":
        raise fail(f"{target}: time_zone goes with a 'format' or `parse: datetime`")
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise fail(f"{target}: unknown time zone '{zone}'") from err
    negate = rule.get("negate", False)
    if not isinstance(negate, bool):
        raise fail(f"{target}: negate must be true or false")
    if negate and (epoch or formats or parse in ("date", "datetime")):
        raise fail(f"{target}: negate goes with a number, not a date or time")
    same_as = rule.get("empty_if_same_as")
    if same_as is not None and not isinstance(same_as, str):
        raise fail(f"{target}: empty_if_same_as names one column")
    value_map = rule.get("map") or {}
    if not isinstance(value_map, dict):
        raise fail(f"{target}: 'map' must map source values to canonical values")
    return ColumnRule(
        target,
        sources=_names(rule["from"], "from", fail),
        first_of=_text(rule["first_of"]) if "first_of" in rule else None,
        value_map=tuple((normalise_name(_text(k)), _text(v)) for k, v in value_map.items()),
        epoch=epoch,
        minor_units=minor,
        formats=formats,
        time_zone=zone,
        default=_text(rule["default"]) if "default" in rule else None,
        negate=negate,
        empty_if_same_as=same_as,
        parse=parse,
        locale=LOCALES[locale] if parse else None,
        locale_name=locale if parse else None,
        salesforce_id=salesforce_id,
        concat=concat,
    )


def _skip_rule(rule, fail) -> SkipRule:
    if not isinstance(rule, dict):
        raise fail("each skip_rows entry needs column, values, empty or not_empty, and reason")
    _no_unknown_keys(rule, _SKIP_KEYS, "skip_rows: ", fail)
    values = rule.get("values") or []
    matches = values or rule.get("empty") or rule.get("not_empty")
    if not rule.get("column") or not rule.get("reason") or not matches:
        raise fail("each skip_rows entry needs column, values, empty or not_empty, and reason")
    values = values if isinstance(values, list) else [values]
    return SkipRule(
        column=str(rule["column"]),
        values=tuple(normalise_name(_text(v)) for v in values),
        empty=bool(rule.get("empty")),
        reason=str(rule["reason"]),
        not_empty=bool(rule.get("not_empty")),
    )


def _distinct_pairs(rule, fail) -> DistinctPairs:
    if isinstance(rule, list):
        rule = {"pair": rule}
    if not isinstance(rule, dict):
        raise fail("distinct_pairs: give the two columns of the pair (and optionally within)")
    _no_unknown_keys(rule, _PAIR_KEYS, "distinct_pairs: ", fail)
    pair = _names(rule.get("pair"), "distinct_pairs: pair", fail)
    if len(pair) != 2:
        raise fail("distinct_pairs: pair names exactly two columns")
    within = _names(rule["within"], "distinct_pairs: within", fail) if "within" in rule else ()
    reason = rule.get("reason") or (
        f"the reverse of a {pair[0]}/{pair[1]} pair already counted (the same two in either order)"
    )
    return DistinctPairs((pair[0], pair[1]), within, str(reason))
