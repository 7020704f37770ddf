# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# `make run INSTALL= BIN=/path/to/venv/bin` uses an environment that is already installed.
INSTALL ?= $(INSTALLED)
# A development server opens the API docs to anyone who reaches it; production keeps them for
# signed-in users (LIMS_PUBLIC_API_DOCS).
DEV_ENV := DJANGO_DEBUG=1 LIMS_PUBLIC_API_DOCS=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint migrate demo clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

migrate: $(INSTALL)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py createcachetable

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py seed_storage

run: demo
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(INSTALLED)
	$(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python -m bench

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3* test-db.sqlite3* .pytest_cache
