# A1 Studio. `make run` and `make test` are the two commands a fresh clone needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install browser idp jscheck prometheus run prod test test-fast test-pg test-s3 rules bench soak lint typecheck format messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python >= 3.12 is needed, found " + sys.version.split()[0] + " (pyenv install 3.13)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,postgres,redis,s3]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py runstack

# The production profile on this machine: gunicorn, DEBUG off, compressed hashed static
# files. Plain http on loopback, so the https-only settings are relaxed here; behind a
# TLS proxy leave them at their defaults (see docs/operators.md).
PROD_ENV = DEBUG=0 SECRET_KEY="$$(cat var/secret-key)" SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0

prod: install var/secret-key
	$(PROD_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(PROD_ENV) $(PY) manage.py migrate --noinput
	$(PROD_ENV) $(PY) manage.py runstack --prod

var/secret-key:
	@mkdir -p var && umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Browser tests drive Debian's chromium (Playwright's own browser download does not
# work here). Installed when missing and possible; otherwise those tests are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "!!! chromium could not be installed: browser tests will be skipped"; }

# The metrics tests scrape the portal with a real Prometheus and check the alert rules with
# promtool (Debian's prometheus package). tests/ops/prometheus.py installs it too when
# missing, and fails in CI when it cannot.
prometheus:
	@command -v prometheus >/dev/null 2>&1 || { \
	  echo "Installing Debian's prometheus for the metrics tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null) \
	  || echo "!!! prometheus could not be installed: the metrics tests will fail in CI"; }

# The single sign-on tests log in through a real OpenID provider (node's oidc-provider,
# pinned by tests/accounts/idp/package-lock.json) that they start on loopback.
IDP := tests/accounts/idp
IDP_STAMP := $(IDP)/node_modules/.package-lock.json
$(IDP_STAMP): $(IDP)/package.json $(IDP)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's nodejs and npm for the single sign-on tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
	  || echo "!!! node could not be installed: single sign-on tests will be skipped"; }
	@if command -v npm >/dev/null 2>&1; then cd $(IDP) && npm ci --no-audit --no-fund --loglevel=error; fi

idp: $(IDP_STAMP)


# A type check of static/js (TypeScript reading our plain JavaScript): a misspelt DOM
# call or a wrong argument fails here rather than in a user's browser.
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's nodejs and npm for the script check..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

jscheck: $(NODE_STAMP)
	node_modules/.bin/tsc -p tsconfig.json

test: install browser idp jscheck prometheus
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# The inner loop: no browser, no tests that start web or worker processes of their own.
test-fast: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -m "not process" --ignore=tests/e2e -q

# The same suite on PostgreSQL and Redis (the scale-out configuration).
PG_URL ?= postgres://postgres@127.0.0.1:5432/a1studio
REDIS_URL ?= redis://127.0.0.1:6379/1
test-pg: install browser idp prometheus
	DATABASE_URL=$(PG_URL) CACHE_URL=$(REDIS_URL) $(PY) -m pytest

# The storage-touching tests (marker `storage`) again, with photos and results kept in
# S3: moto's S3 server on loopback, started and stopped by tests/files/s3_pass.py,
# which fails (never skips) when the server cannot start.
test-s3: install browser
	$(PY) tests/files/s3_pass.py

# The four rules that span features, under a long random run of people's actions
# (make test runs a few examples on each database; RULES_EXAMPLES and RULES_STEPS here).
RULES_EXAMPLES ?= 300
RULES_STEPS ?= 40
rules: install
	RULES_EXAMPLES=$(RULES_EXAMPLES) RULES_STEPS=$(RULES_STEPS) $(PY) -m pytest -q -p no:cacheprovider tests/rules

# Benchmarks: start their own production profiles on free ports; about 30 minutes.
bench: install
	$(PY) bench/run.py
	$(PY) bench/metrics_overhead.py

# Load and soak: 50 users for 10 minutes with upstream faults (SOAK_SECONDS to change).
SOAK_SECONDS ?= 600
soak: install
	$(PY) bench/soak.py --seconds $(SOAK_SECONDS)

# Faults under load: PostgreSQL, Redis, S3, the media disk and the processes fail one at a
# time and two at once (docs/reliability.md). Starts its own services on free ports, as
# root (its PostgreSQL runs as the postgres user); CHAOS_QUICK=1 for a run of minutes.
.PHONY: chaos
chaos: install
	@ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 || { \
	  echo "Installing Debian's libfaketime for the clock row..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null) \
	  || echo "!!! libfaketime could not be installed: the clock row will fail"; }
	$(PY) bench/chaos.py

lint: install
	$(VENV)/bin/ruff check .

# The type check alone ([tool.mypy] in pyproject.toml; `make test` runs it too).
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The .po files under locale/ are the translations' source of truth. `make messages`
# brings them up to date with the source (new strings arrive empty, to be translated)
# and compiles them. Needs GNU gettext (apt-get install gettext); the .mo files are
# committed so a fresh clone, `make run` and `make test` need no gettext tools.
# tests/test_translations.py extracts with this same ignore list.
MESSAGES_LANGUAGES := zh_Hans zh_Hant ja
MESSAGES_IGNORE := .venv node_modules tests bench staticfiles static/vendor
messages: install
	$(PY) manage.py makemessages -d django $(MESSAGES_LANGUAGES:%=-l %) $(MESSAGES_IGNORE:%=--ignore=%) --no-obsolete
	$(PY) manage.py makemessages -d djangojs $(MESSAGES_LANGUAGES:%=-l %) $(MESSAGES_IGNORE:%=--ignore=%) --no-obsolete
	$(PY) manage.py compilemessages $(MESSAGES_LANGUAGES:%=-l %) $(MESSAGES_IGNORE:%=--ignore=%)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache node_modules
