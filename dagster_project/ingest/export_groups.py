"""Which files of one export folder belong together as a multi-file export (export_parts.py).

The files of a multi-file export are recognised by their columns, like any export, inside one
`<source>/<export date>/` folder. A main file whose required partner files are all there is
loaded with them; a main file or a partner file missing its other half is held: recorded in
audit.load_log as `held`, loaded on the run that finds the rest, or rejected after the hold
period (loader.py). A main file that a single-file format or the canonical layout also reads
is loaded that way when its partners are missing, instead of being held.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from dagster_project.ingest import export_formats
from dagster_project.ingest.export_formats import ExportFormat
from dagster_project.ingest.landing import EXTENSIONS, LandingFile, canonical_entity
from dagster_project.ingest.parsing import Table, read_table


@dataclass
class ExportPlan:
    # main file path -> (its format, {part name: its file})
    mains: dict[str, tuple[ExportFormat, dict[str, LandingFile]]] = field(default_factory=dict)
    part_of: dict[str, str] = field(default_factory=dict)  # partner file path -> main file path
    held: dict[str, str] = field(default_factory=dict)  # file path -> what it waits for
    tables: dict[str, Table] = field(default_factory=dict)  # parsed files, by path


def plan_exports(files: list[LandingFile], data: dict[str, bytes]) -> ExportPlan:
    """Group the files (with their bytes, by path) of one source into multi-file exports."""
    plan = ExportPlan()
    formats = [f for f in export_formats.known_formats() if f.is_multi_file]
    if not formats:
        return plan
    folders: dict[str | None, list[LandingFile]] = defaultdict(list)
    for f in files:
        if f.export_date is not None and f.extension in EXTENSIONS and f.relative_path in data:
            folders[f.date_folder].append(f)
    for folder in folders.values():
        headers = {}
        for f in folder:
            try:
                table = read_table(f.relative_path, f.extension, data[f.relative_path])
            except Exception:  # noqa: BLE001 - the file is read (and rejected) on its own later
                continue
            plan.tables[f.relative_path] = table
            headers[f.relative_path] = table.header
        _plan_folder(plan, formats, folder, headers)
    return plan


def _plan_folder(plan, formats, folder: list[LandingFile], headers: dict[str, list[str]]) -> None:
    claimed: set[str] = set()
    for fmt in formats:
        mains = [f for f in folder if f.relative_path in headers and _is_main(fmt, f, headers)]
        main_paths = {f.relative_path for f in mains}
        found: dict[str, LandingFile] = {}
        for part in fmt.files:
            matching = [
                f
                for f in folder
                if f.relative_path in headers
                and f.relative_path not in main_paths | claimed
                and part.matches(headers[f.relative_path])
            ]
            if matching:
                found[part.name] = matching[0]
        missing = [p for p in fmt.files if not p.optional and p.name not in found]
        for main in mains:
            if main.relative_path in claimed:
                continue
            if not missing:
                plan.mains[main.relative_path] = (fmt, found)
                claimed.add(main.relative_path)
                for part in found.values():
                    plan.part_of[part.relative_path] = main.relative_path
                    claimed.add(part.relative_path)
            elif not _readable_alone(main, headers[main.relative_path]):
                names = ", ".join(_describe(p) for p in missing)
                plan.held[main.relative_path] = (
                    f"is the main file of a {fmt.name} export; waiting for its other file(s) "
                    f"in the same folder: {names}"
                )
        if not mains:
            recognised = ", ".join(fmt.recognise)
            for name, part in found.items():
                rel = part.relative_path
                if rel not in claimed and not _readable_alone(part, headers[rel]):
                    plan.held[rel] = (
                        f"is the {name} file of a {fmt.name} export; waiting for its main file "
                        f"in the same folder (columns {recognised})"
                    )


def _is_main(fmt: ExportFormat, f: LandingFile, headers: dict[str, list[str]]) -> bool:
    return fmt.matches(headers[f.relative_path])


def _readable_alone(f: LandingFile, header: list[str]) -> bool:
    """The canonical layout or a single-file format reads it without partner files."""
    return canonical_entity(f) is not None or export_formats.recognise(header) is not None


def _describe(part) -> str:
    return f"{part.name} (columns {', '.join(part.recognise)})"
