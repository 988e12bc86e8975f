# Two commands do everything on a fresh machine with python3 (3.11+) and make:
#   make app    build the environment and the demo workspace, start the app on 127.0.0.1
#   make test   build the environment, lint, type-check and run every test
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= data/workspace
DEMO_FILES ?= data/demo
PORT ?= 8501
ADDRESS ?= 127.0.0.1

# uv comes from PyPI into a small tools environment unless it is already installed.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .tools/bin/uv
endif

.PHONY: env app demo test lint typecheck pytest bench clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/cimlab: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(BIN)/cimlab

demo: env
	$(BIN)/cimlab demo --workspace $(WORKSPACE) --files $(DEMO_FILES)

app: demo
	@echo "cimlab app: http://$(ADDRESS):$(PORT)  (Ctrl+C to stop)"
	CIMLAB_WORKSPACE=$(WORKSPACE) $(BIN)/streamlit run apps/streamlit_app.py \
		--server.address $(ADDRESS) --server.port $(PORT) --server.headless true

lint: env
	$(BIN)/ruff check cimlab apps tests benchmarks notebooks
	$(BIN)/ruff format --check cimlab apps tests benchmarks notebooks

typecheck: env
	$(BIN)/mypy cimlab

pytest: env
	$(BIN)/python -m pytest -n 2 --durations=15 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: env
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .mypy_cache benchmarks/_work
