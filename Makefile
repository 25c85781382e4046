# KUBE Portal: `make run` to start everything, `make test` to run the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format install migrate seed stop browsers clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py load_regions
	$(PY) manage.py seed_demo $(SEED_ARGS)
	$(PY) manage.py recompute_graduation

## Start the web server, a Celery worker and beat on the embedded (or configured) servers.
run: seed
	$(PY) -m kube_portal.run

## The whole suite: lint, then pytest (browser tests included when Chromium is installed).
test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

## ruff (format and lint), djLint on the templates, mypy held to its baseline (scripts/mypy_baseline.py).
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/djlint --lint .
	$(PY) scripts/mypy_baseline.py

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Stop the embedded PostgreSQL and Redis (make run stops them on Ctrl-C too).
stop: install
	$(PY) -m kube_portal.embedded stop

clean: stop
	rm -rf .local

## Re-copy the pinned front-end libraries (package.json) into static/vendor/; needs npm, only to upgrade them.
.PHONY: vendor
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	sh scripts/vendor_static.sh
