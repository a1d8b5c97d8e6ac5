import datetime as dt
from pathlib import Path

import pytest

from dagster_project.resources import PartnerSettings, run_config
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


def test_the_engine_is_duckdb_unless_set_to_spark(tmp_path):
    assert Settings.from_env({}).engine == "duckdb"
    assert Settings.from_env({}).spark_dir == PROJECT_ROOT / "data" / "spark"
    settings = Settings.from_env(
        {"PARTNER_ENGINE": "Spark", "PARTNER_SPARK_DIR": str(tmp_path / "lake")}
    )
    assert (settings.engine, settings.spark_dir) == ("spark", tmp_path / "lake")


def test_an_unknown_engine_is_one_line_naming_the_engines():
    with pytest.raises(ValueError, match="set PARTNER_ENGINE to duckdb or spark") as err:
        Settings.from_env({"PARTNER_ENGINE": "snowflake"})
    assert "\n" not in str(err.value)


def test_run_config_overrides_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNER_AS_OF", "2026-01-01")
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(tmp_path))
    settings = PartnerSettings(as_of="2026-02-02").settings()
    assert settings.as_of == dt.date(2026, 2, 2)
    assert settings.landing_dir == tmp_path


def test_given_values_win_over_the_environment_and_today_stands_in_for_a_missing_date(tmp_path):
    environ = {"PARTNER_LANDING_DIR": "from-env", "PARTNER_WAREHOUSE": "from-env.duckdb"}
    settings = Settings.from_env(
        environ, landing_dir=str(tmp_path), as_of=None, today=dt.date(2026, 4, 5)
    )
    assert settings.landing_dir == tmp_path
    assert settings.warehouse == PROJECT_ROOT / "from-env.duckdb"
    assert settings.as_of == dt.date(2026, 4, 5)
    environ["PARTNER_AS_OF"] = "2026-01-31"
    assert Settings.from_env(environ, today=dt.date(2026, 4, 5)).as_of == dt.date(2026, 1, 31)


def test_run_config_carries_every_setting_to_the_resource(monkeypatch, tmp_path):
    settings = Settings(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "wh.duckdb",
        as_of=dt.date(2026, 3, 1),
        engine="spark",
        spark_dir=tmp_path / "lake",
    )
    monkeypatch.setenv("PARTNER_LANDING_DIR", "elsewhere")
    monkeypatch.setenv("PARTNER_ENGINE", "duckdb")
    monkeypatch.setenv("PARTNER_AS_OF", "2020-01-01")
    config = run_config(settings)["resources"]["partner"]["config"]
    assert config == {
        "landing_dir": str(tmp_path / "landing"),
        "warehouse": str(tmp_path / "wh.duckdb"),
        "as_of": "2026-03-01",
        "engine": "spark",
        "spark_dir": str(tmp_path / "lake"),
    }
    assert PartnerSettings(**config).settings() == settings
