"""The analyst notebooks run top to bottom, headless, against the sample warehouse, and draw their
charts; they are committed without outputs."""

from __future__ import annotations

import nbformat
import pytest
from dashboard_helpers import SAMPLE, SAMPLE_AS_OF
from nbclient import NotebookClient

from dagster_project.settings import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_three_reviews():
    assert {path.stem for path in NOTEBOOKS} == {
        "program_review",
        "attribution_models",
        "mdf_and_flags",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_headless_on_the_sample(path, build_warehouse, monkeypatch):
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(build_warehouse(SAMPLE, SAMPLE_AS_OF)))
    book = nbformat.read(path, as_version=4)
    # any cell's error fails the run (CellExecutionError)
    NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    ).execute()
    outputs = [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs]
    printed = "".join(output.get("text", "") for output in outputs)
    assert f"warehouse as of {SAMPLE_AS_OF}" in printed
    charts = [output for output in outputs if "vega" in str(output.get("data", {}))]
    assert len(charts) >= 2, f"{path.name} drew {len(charts)} charts"
