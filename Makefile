# zhucun — `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_ENV := PIP_CONSTRAINT=$(CURDIR)/constraints/build.txt PIP_BUILD_CONSTRAINT=$(CURDIR)/constraints/build.txt PIP_DISABLE_PIP_VERSION_CHECK=1
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean-venv browser

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock constraints/build.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install -q -r requirements.lock
	$(PIP_ENV) $(PY) -m pip install -q --no-deps -e .
	# first import unzips jionlp's dictionaries into its package folder: do it once here
	$(PY) -c "import contextlib, io; f = io.StringIO(); ctx = contextlib.redirect_stdout(f); ctx.__enter__(); import jionlp"
	touch $(STAMP)

run: install
	$(VENV)/bin/zhucun run corpus --meta corpus/meta.csv --out outputs

# headless Chromium for the report's browser tests (Debian packages; CI runs as root)
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	fi

test: install browser
	$(VENV)/bin/ruff check pipeline tests bench
	$(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check pipeline tests bench

bench: install
	$(PY) bench/bench_throughput.py

clean-venv:
	rm -rf $(VENV)
