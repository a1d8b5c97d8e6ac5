# The few verbs a person needs. `make run` and `make test` are the README's two commands.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: setup run test test-spark lint format dev serve docs docs-generate dashboard notebooks clean

# `make test` and `make test-spark` add the spark group (dbt-spark, PySpark: ~340 MB) for the Spark
# parity test; `make run` and the other verbs leave it out (README "Scaling out").
SYNC_GROUPS ?=

setup:  ## install the locked dependencies and prepare the dbt manifest
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen $(SYNC_GROUPS)
	$(UV) run dbt parse --quiet --project-dir dbt --profiles-dir dbt

run: setup  ## run the nightly job on data/landing and print the headline KPIs
	$(UV) run partner run

# Most tests are real nightly runs, single-threaded Python waiting on dbt: two workers (one per
# core on CI), each taking whole test modules so a module's warehouse is built once.
# The 15 slowest tests close the output: where the suite's minutes go.
# --no-loadscope-reorder: files go out in collection order, slow ones first (tests/conftest.py);
# xdist would otherwise send the files with the most tests first and the 2-test Spark file last.
PYTEST_WORKERS ?= 2

# The Spark parity test needs Java 17 and the spark group, which `make test` installs.
test: SYNC_GROUPS = --group spark
test: setup lint  ## lint, then every test, the Spark parity test included
	$(UV) run pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

test-spark: SYNC_GROUPS = --group spark
test-spark: setup  ## the Spark parity test alone, on local PySpark (Java 17)
	$(UV) run pytest tests/test_spark_parity.py

lint:  ## ruff on Python, SQLFluff (dbt templater) on the dbt models
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	PARTNER_WAREHOUSE=$(CURDIR)/.lint.duckdb $(UV) run sqlfluff lint dbt/models --processes 2
	rm -f .lint.duckdb .lint.duckdb.wal

format:
	$(UV) run ruff check --fix .
	$(UV) run ruff format .
	PARTNER_WAREHOUSE=$(CURDIR)/.lint.duckdb $(UV) run sqlfluff fix dbt/models --processes 2
	rm -f .lint.duckdb .lint.duckdb.wal

dev: setup  ## the Dagster UI on http://127.0.0.1:3000 (schedules and sensors run with it)
	mkdir -p .dagster_home && cp -n dagster.yaml .dagster_home/ 2>/dev/null || true
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(UV) run dagster dev -m dagster_project.definitions

serve: setup  ## the deployment: Dagster daemon + UI on http://127.0.0.1:3000, schedule on
	$(UV) run partner serve

docs: setup  ## dbt docs for the marts on http://127.0.0.1:8080
	$(MAKE) --no-print-directory docs-generate
	cd dbt && $(UV) run dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080

# dbt opens its warehouse read-write, which would lock every reader out of the served file:
# the docs are generated against a temporary copy of it (or an empty file before the first run).
docs-generate:
	@copy=$$(mktemp -d) && trap 'rm -rf "$$copy"' EXIT && \
	served=$$($(UV) run python -c 'from dagster_project.settings import Settings; print(Settings.from_env().warehouse)') && \
	if [ -f "$$served" ]; then cp "$$served" "$$copy/docs.duckdb"; fi && \
	cd dbt && PARTNER_WAREHOUSE="$$copy/docs.duckdb" $(UV) run dbt docs generate --profiles-dir .

dashboard: setup  ## the dashboard on http://127.0.0.1:8501, reading PARTNER_WAREHOUSE read-only
	$(UV) run partner dashboard

notebooks: SYNC_GROUPS = --group jupyter
notebooks: setup  ## Jupyter on the analyst notebooks (notebooks/*.ipynb)
	$(UV) run --group jupyter jupyter notebook --ip 127.0.0.1 --notebook-dir notebooks

clean:
	rm -rf dbt/target dbt/logs .pytest_cache .ruff_cache
