import datetime as dt
from pathlib import Path

import pytest

from dagster_project.resources import PartnerSettings
from dagster_project.settings import PROJECT_ROOT, Settings


def test_defaults_are_the_bundled_landing_folder_a_warehouse_under_data_and_today():
    settings = Settings.from_env({})
    assert settings.landing_dir == PROJECT_ROOT / "data" / "landing"
    assert settings.warehouse == PROJECT_ROOT / "data" / "warehouse.duckdb"
    assert settings.as_of == dt.datetime.now(dt.UTC).date()


def test_environment_variables_override_the_defaults(tmp_path):
    settings = Settings.from_env(
        {
            "PARTNER_LANDING_DIR": str(tmp_path / "exports"),
            "PARTNER_WAREHOUSE": "elsewhere/wh.duckdb",
            "PARTNER_AS_OF": "2026-03-01",
        }
    )
    assert settings.landing_dir == tmp_path / "exports"
    assert settings.warehouse == PROJECT_ROOT / "elsewhere" / "wh.duckdb"
    assert settings.as_of == dt.date(2026, 3, 1)


def test_the_build_file_sits_beside_the_served_warehouse_so_the_swap_is_one_rename():
    settings = Settings.from_env({"PARTNER_WAREHOUSE": "/srv/p/wh.duckdb"})
    assert settings.build_path.parent == Path("/srv/p")
    assert settings.build_path != settings.warehouse


def test_a_bad_as_of_date_says_how_to_write_it():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Settings.from_env({"PARTNER_AS_OF": "1 March"})


def test_run_config_overrides_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNER_AS_OF", "2026-01-01")
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(tmp_path))
    settings = PartnerSettings(as_of="2026-02-02").settings()
    assert settings.as_of == dt.date(2026, 2, 2)
    assert settings.landing_dir == tmp_path
