"""Multi-file export formats: the declarations of an export's other files and how they join.

A format's own `recognise` names its main file (one canonical row per row of it). `files` names
the other files of the same export, each recognised by its columns, and `join` adds their columns
to the main rows: looked up by key, or first added up per key (`aggregate`). formats/README.md
documents the keys; joining.py applies them; the loader holds a main file until its partner files
are in the same export folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster_project.ingest.parsing import normalise_name

MAIN = "main"  # `join: - file: main`: the main file itself (e.g. a ledger's fee rows)
AGGREGATES = ("sum", "count", "min", "max", "first")
_PART_KEYS = {"recognise", "optional"}
_JOIN_KEYS = {"file", "as", "by", "aggregate"}


@dataclass(frozen=True)
class FilePart:
    name: str
    recognise: tuple[str, ...]
    optional: bool = False  # the export loads without it (its columns stay empty)

    def matches(self, header: list[str]) -> bool:
        names = {normalise_name(h) for h in header}
        return all(normalise_name(r) in names for r in self.recognise)


@dataclass(frozen=True)
class Aggregate:
    name: str  # the joined column it becomes: <alias>.<name>
    how: str  # one of AGGREGATES
    column: str  # the file's column it reads
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, normalised values) all must hold


@dataclass(frozen=True)
class Join:
    file: str  # a `files` entry, or MAIN
    alias: str  # the prefix its columns go by in `from`: <alias>.<column>
    on: tuple[
        tuple[str, str], ...
    ]  # (main column or <alias>.<column> of an earlier join, its column)
    aggregate: tuple[Aggregate, ...] = ()


def parts(spec: dict, fail) -> tuple[tuple[FilePart, ...], tuple[Join, ...]]:
    """The `files` and `join` of a mapping, checked; FormatError (via `fail`) when broken."""
    files_spec = spec.get("files") or {}
    joins_spec = spec.get("join") or []
    if bool(files_spec) != bool(joins_spec) and not (joins_spec and _only_main(joins_spec)):
        raise fail("'files' and 'join' go together: join each of the export's other files")
    if not isinstance(files_spec, dict):
        raise fail("'files' must map each file's name to its recognise columns")
    files = []
    for name, part in files_spec.items():
        if not isinstance(part, dict) or "recognise" not in part:
            raise fail(f"files: {name}: give its 'recognise' columns")
        _no_unknown(part, _PART_KEYS, f"files: {name}: ", fail)
        files.append(
            FilePart(str(name), _names(part["recognise"], fail), bool(part.get("optional")))
        )
    if not isinstance(joins_spec, list):
        raise fail("'join' must be a list of joins")
    known = {f.name for f in files} | {MAIN}
    joins, aliases = [], set()
    for entry in joins_spec:
        join = _join(entry, known, fail)
        if join.alias in aliases:
            raise fail(f"join: the name '{join.alias}' is used twice; give one an 'as'")
        aliases.add(join.alias)
        joins.append(join)
    unjoined = sorted(known - {MAIN} - {j.file for j in joins})
    if unjoined:
        raise fail(f"files {', '.join(unjoined)} declared but never joined")
    return tuple(files), tuple(joins)


def _only_main(joins_spec) -> bool:
    return isinstance(joins_spec, list) and all(
        isinstance(j, dict) and j.get("file") == MAIN for j in joins_spec
    )


def _join(entry, known: set[str], fail) -> Join:
    # `by`, not `on`: YAML 1.1 reads a bare `on` key as the boolean true
    if not isinstance(entry, dict) or "file" not in entry or "by" not in entry:
        raise fail("each join needs 'file' and 'by'")
    _no_unknown(entry, _JOIN_KEYS, "join: ", fail)
    file = str(entry["file"])
    if file not in known:
        raise fail(f"join: '{file}' is not one of the files ({', '.join(sorted(known))})")
    on = entry["by"]
    if not isinstance(on, dict) or not on:
        raise fail(f"join {file}: 'by' maps this export's column to the file's column")
    aggregate = entry.get("aggregate") or {}
    if not isinstance(aggregate, dict):
        raise fail(f"join {file}: 'aggregate' maps a name to e.g. {{sum: Amount}}")
    return Join(
        file=file,
        alias=str(entry.get("as", file)),
        on=tuple((str(k), str(v)) for k, v in on.items()),
        aggregate=tuple(_aggregate(file, str(n), a, fail) for n, a in aggregate.items()),
    )


def _aggregate(file: str, name: str, spec, fail) -> Aggregate:
    where = f"join {file}: aggregate {name}: "
    if not isinstance(spec, dict):
        raise fail(f"{where}give one of {', '.join(AGGREGATES)} and the column")
    how = [k for k in spec if k in AGGREGATES]
    _no_unknown(spec, set(AGGREGATES) | {"where"}, where, fail)
    if len(how) != 1 or not isinstance(spec[how[0]], str):
        raise fail(f"{where}give exactly one of {', '.join(AGGREGATES)} with a column name")
    conditions = spec.get("where") or {}
    if not isinstance(conditions, dict):
        raise fail(f"{where}'where' maps a column to the values it keeps")
    kept = []
    for column, values in conditions.items():
        values = values if isinstance(values, list) else [values]
        kept.append((str(column), tuple(normalise_name(_text(v)) for v in values)))
    return Aggregate(name, how[0], spec[how[0]], tuple(kept))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _names(value, fail) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail("'recognise' must be a column name or a list of column names")
    return tuple(names)


def _no_unknown(spec: dict, allowed: set[str], where: str, fail) -> None:
    unknown = sorted(set(map(str, spec)) - allowed)
    if unknown:
        raise fail(
            f"{where}unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )
