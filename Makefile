# The two commands a new machine needs: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
UV_VERSION := 0.13.8
# uv must use the machine's Python and never download one.
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: setup demo test lint check-tools unit integration slow bench clean

# Installs uv (pinned) when missing, then the locked environment into .venv, compiled to bytecode
# once: these machines set PYTHONDONTWRITEBYTECODE, so otherwise every process (each test
# subprocess, each Beam or bench child) compiles Apache Beam and its dependencies again (2.3 s of
# the 3.6 s `import pipelines.batch` took; 1.4 s compiled).
setup:
	@command -v uv >/dev/null 2>&1 || [ -x "$(HOME)/.local/bin/uv" ] || \
		python3 -m pip install --quiet --user "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --compile-bytecode
	@$(MAKE) --no-print-directory check-tools

# The local platform needs Java and Google Cloud CLI's Pub/Sub emulator; say what is missing.
check-tools:
	@$(UV) run python -c "from app.platform.pubsub_emulator import find_emulator; find_emulator()"

# The main job, end to end on the embedded defaults (Pub/Sub emulator + DuckDB).
demo: setup
	$(UV) run streamqoe demo

# Lint, then every test that is not marked slow (unit + integration against real emulators).
test: setup lint
	$(UV) run pytest

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run streamqoe contracts check

unit: setup
	$(UV) run pytest -m "not integration and not slow"

integration: setup
	$(UV) run pytest -m integration

slow: setup
	$(UV) run pytest -m slow

clean:
	rm -rf .data .pytest_cache .ruff_cache
