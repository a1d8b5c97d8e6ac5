"""The marts' column rules, declared once as dbt data tests, restated as GX expectations.

`_marts__models.yml` is the one place a column rule (key, not empty, accepted values, range) is
written. The GX suites take those rules from dbt's manifest instead of repeating them, and add by
hand only what a column test cannot say (cross-row and cross-mart invariants, marts.py).
"""

from __future__ import annotations

import json
from pathlib import Path

# An expectation: the GX expectation class name and its arguments.
Expectation = tuple[str, dict]


def expectations_from_test(test: dict) -> list[Expectation]:
    """The GX expectation a dbt data test node of the manifest states, or none when the test is
    not a plain column rule: a singular or package test, one limited by `where`, or one that only
    warns (a blocking suite must not stop a run on it)."""
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
    return []


def column_rules(manifest: dict, model: str) -> list[Expectation]:
    """Every column rule dbt declares on `model`, as GX expectations (in the manifest's order)."""
    model_ids = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] == model
    }
    return [
        expectation
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node") in model_ids
        for expectation in expectations_from_test(node)
    ]


def read_manifest(path: Path) -> dict:
    return json.loads(path.read_text())
