"""The marts' column rules, declared once as dbt data tests, restated as GX expectations.

`_marts__models.yml` is the one place a column rule (key, not empty, accepted values, range, a
value listed in a seed) is written. The GX suites take those rules from dbt's manifest instead of
repeating them, and add by hand only what a column test cannot say (cross-row and cross-mart
invariants, marts.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

# An expectation: the GX expectation class name and its arguments.
Expectation = tuple[str, dict]

# (seed's unique id, column) -> the column's values in the seed's file
SeedReader = Callable[[str, str], list[str]]


def expectations_from_test(test: dict, read_seed: SeedReader | None = None) -> list[Expectation]:
    """The GX expectation a dbt data test node of the manifest states, or none when the test is
    not a plain column rule: a singular or package test, one limited by `where`, one that only
    warns (a blocking suite must not stop a run on it), or a relationship to anything but a seed
    (a seed's values are known without the warehouse: `read_seed` reads them)."""
    metadata = test.get("test_metadata") or {}
    config = test.get("config") or {}
    column = test.get("column_name")
    if (
        not column
        or metadata.get("namespace")
        or config.get("where")
        or str(config.get("severity", "error")).lower() != "error"
        or config.get("enabled") is False
    ):
        return []
    kwargs = metadata.get("kwargs") or {}
    name = metadata.get("name")
    if name == "unique":
        return [("ExpectColumnValuesToBeUnique", {"column": column})]
    if name == "not_null":
        return [("ExpectColumnValuesToNotBeNull", {"column": column})]
    if name == "accepted_values":
        return [("ExpectColumnValuesToBeInSet", {"column": column, "value_set": kwargs["values"]})]
    if name == "between":  # dbt/tests/generic/between.sql
        bounds = {key: kwargs[key] for key in ("min_value", "max_value") if key in kwargs}
        return [("ExpectColumnValuesToBeBetween", {"column": column, **bounds})]
    if name == "relationships" and read_seed:
        parents = (test.get("depends_on") or {}).get("nodes") or []
        seeds = [parent for parent in parents if parent.startswith("seed.")]
        if len(seeds) == 1:
            values = read_seed(seeds[0], kwargs["field"])
            return [("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values})]
    return []


def seed_reader(manifest: dict, project_dir: Path) -> SeedReader:
    """Reads a column of a seed's CSV file (as text) in the dbt project at `project_dir`."""

    def read_seed(seed_id: str, column: str) -> list[str]:
        path = project_dir / manifest["nodes"][seed_id]["original_file_path"]
        with path.open(newline="") as seed:
            return [row[column] for row in csv.DictReader(seed)]

    return read_seed


def column_rules(manifest: dict, model: str, project_dir: Path | None = None) -> list[Expectation]:
    """Every column rule dbt declares on `model`, as GX expectations (in the manifest's order);
    a relationship to a seed only with the dbt `project_dir` that holds the seed's file."""
    read_seed = seed_reader(manifest, project_dir) if project_dir else None
    model_ids = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] == model
    }
    return [
        expectation
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node") in model_ids
        for expectation in expectations_from_test(node, read_seed)
    ]


def read_manifest(path: Path) -> dict:
    return json.loads(path.read_text())
