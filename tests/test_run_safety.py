"""Nothing lost, nothing false (issue 15): a run that would publish an empty program over a real
one, read nothing, or meet an unusable warehouse publishes nothing and says why; every publish
keeps the version it replaces."""

import datetime as dt
import hashlib
import shutil
import subprocess
import sys

import duckdb
import pytest

from dagster_project.cli import main
from dagster_project.jobs import run_nightly
from dagster_project.settings import Settings

HANDMADE = "handmade/landing"
AS_OF = dt.date(2026, 6, 30)
PARTNERS_HEADER = (
    "partner_id,partner_name,partner_type,agreement_signed_at,terminated_at,"
    "strategic_value_score,partner_manager,region,updated_at,is_deleted\n"
)


@pytest.fixture
def handmade_warehouse(build_warehouse, fixtures_dir, tmp_path):
    """A private copy of the warehouse published from the hand-made fixture."""
    warehouse = tmp_path / "served" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(build_warehouse(fixtures_dir / HANDMADE, AS_OF.isoformat()), warehouse)
    return warehouse


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(warehouse):
    return sorted(p.name for p in warehouse.parent.glob(f".{warehouse.name}*.building*"))


def _one(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_an_empty_landing_folder_fails_the_run_and_publishes_nothing(tmp_path):
    (tmp_path / "landing").mkdir()
    settings = Settings(tmp_path / "landing", tmp_path / "warehouse.duckdb", AS_OF)
    assert not run_nightly(settings)
    assert not settings.warehouse.exists()
    assert _leftovers(settings.warehouse) == []


def test_a_run_with_no_revenue_lines_or_partners_keeps_the_served_warehouse(
    handmade_warehouse, tmp_path
):
    # another landing folder whose exports were read but hold no rows: an empty program
    partners = tmp_path / "other" / "crm" / "2026-06-01" / "partners.csv"
    partners.parent.mkdir(parents=True)
    partners.write_text(PARTNERS_HEADER)
    before = _digest(handmade_warehouse)

    assert not run_nightly(Settings(tmp_path / "other", handmade_warehouse, AS_OF))
    assert _digest(handmade_warehouse) == before
    assert _leftovers(handmade_warehouse) == []


def test_another_spelling_of_the_landing_folder_keeps_the_history_and_the_previous_version(
    handmade_warehouse, fixtures_dir, tmp_path, capsys
):
    link = tmp_path / "link"
    link.symlink_to(fixtures_dir / "mdf_flags" / ".." / "handmade")
    spelled = link / "landing"  # through a symlink and a `..`: the same folder
    before = _digest(handmade_warehouse)
    builds = _one(handmade_warehouse, "select count(*) from audit.build_info")[0]

    assert run_nightly(Settings(spelled, handmade_warehouse, AS_OF + dt.timedelta(days=1)))
    # the served warehouse was carried over, not thrown away: one more build on its history
    assert _one(handmade_warehouse, "select count(*) from audit.build_info") == (builds + 1,)
    previous = handmade_warehouse.with_name("warehouse.duckdb.previous")
    assert _digest(previous) == before
    published = _digest(handmade_warehouse)

    # one command undoes the night, and can itself be undone
    main(["--warehouse", str(handmade_warehouse), "restore-previous"])
    assert "restored" in capsys.readouterr().out
    assert _digest(handmade_warehouse) == before
    assert _digest(previous) == published


def test_a_corrupt_served_warehouse_is_set_aside_and_the_run_starts_from_the_previous(
    handmade_warehouse, fixtures_dir
):
    previous = handmade_warehouse.with_name("warehouse.duckdb.previous")
    shutil.copyfile(handmade_warehouse, previous)
    builds = _one(previous, "select count(*) from audit.build_info")[0]
    garbage = b"not a duckdb file\n" * 1000
    handmade_warehouse.write_bytes(garbage)

    assert run_nightly(Settings(fixtures_dir / HANDMADE, handmade_warehouse, AS_OF))
    (aside,) = handmade_warehouse.parent.glob("warehouse.duckdb.corrupt-*")
    assert aside.read_bytes() == garbage  # kept as it was, never deleted
    # built on the previous version's history
    assert _one(handmade_warehouse, "select count(*) from audit.build_info") == (builds + 1,)


@pytest.mark.parametrize("kind", ["folder", "under a file"])
def test_an_unusable_warehouse_path_is_refused_in_one_line(kind, fixtures_dir, tmp_path):
    if kind == "folder":
        warehouse = tmp_path / "warehouse.duckdb"
        warehouse.mkdir()
    else:
        (tmp_path / "a-file").write_text("")
        warehouse = tmp_path / "a-file" / "warehouse.duckdb"
    command = [sys.executable, "-m", "dagster_project.cli", "--landing"]
    command += [str(fixtures_dir / HANDMADE), "--warehouse", str(warehouse), "run"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert str(warehouse) in line and "PARTNER_WAREHOUSE" in line
