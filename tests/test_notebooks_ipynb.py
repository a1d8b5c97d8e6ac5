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


@pytest.fixture(scope="module")
def executed(build_warehouse) -> dict:
    """Every notebook run top to bottom against the sample, all at once (each in its own kernel:
    they spend most of their time starting one): path -> the executed book, or its error."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    # the kernels inherit this process's environment
    before = os.environ.get("PARTNER_WAREHOUSE")
    os.environ["PARTNER_WAREHOUSE"] = str(build_warehouse(SAMPLE, SAMPLE_AS_OF))

    def run(path):
        book = nbformat.read(path, as_version=4)
        client = NotebookClient(
            book, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
        )
        try:
            client.execute()  # any cell's error raises (CellExecutionError)
        except Exception as error:  # noqa: BLE001 - reported by the notebook's own test
            return error
        return book

    try:
        with ThreadPoolExecutor(len(NOTEBOOKS)) as pool:
            return dict(zip(NOTEBOOKS, pool.map(run, NOTEBOOKS), strict=True))
    finally:
        if before is None:
            os.environ.pop("PARTNER_WAREHOUSE", None)
        else:
            os.environ["PARTNER_WAREHOUSE"] = before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_headless_on_the_sample(path, executed):
    book = executed[path]
    assert not isinstance(book, Exception), f"{path.name}: {book}"
    outputs = [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs]
    printed = "".join(output.get("text", "") for output in outputs)
    assert f"warehouse as of {SAMPLE_AS_OF}" in printed
    charts = [output for output in outputs if "vega" in str(output.get("data", {}))]
    assert len(charts) >= 2, f"{path.name} drew {len(charts)} charts"
