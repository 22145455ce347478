# newsgraph: `make demo` builds the seeds, `make test` runs every check.
# Both work from a fresh clone: they create .venv and install what is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CORPUS ?= ../shared/corpora/coronavirus-news
# Every install takes its versions from the lock; `make lock` refreshes it (on purpose: commit it saying so).
LOCK   := requirements.lock
EXTRAS := test,dask,notebooks
UV     := uv==0.13.9

.PHONY: demo test lint typecheck pytest corpus notebooks clean help lock

help:
	@echo "make demo    build seeds/ into out/ and show what was written"
	@echo "make test    ruff, mypy and pytest (installs what they need)"
	@echo "make corpus  build $(CORPUS) into out/corpus"
	@echo "make bench   the benchmark (about an hour): side by side with the naive script, rebuilds, growth, 1M streamed"
	@echo "make notebooks  run notebooks/*.ipynb into HTML under out/notebooks"
	@echo "make lock    refresh $(LOCK) to the newest versions pyproject.toml allows (then make test, and commit it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[$(EXTRAS)]"
	$(BIN)/python -m compileall -q graph
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newsgraph build seeds -o out
	@echo "outputs in out/:"
	@ls -l out

corpus: $(STAMP)
	$(BIN)/newsgraph build $(CORPUS) -o out/corpus

# The notebooks read the shared corpus when it is beside the project, else seeds/;
# NEWSGRAPH_CORPUS=FOLDER make notebooks runs them on another folder (NOTEBOOKS_OUT=DIR writes
# the HTML elsewhere). The HTML opens offline: nbconvert's lab template would load require.js,
# MathJax and Mermaid from a CDN (the notebooks use none of them); notebooks/templates/offline
# leaves those scripts out, and images are inline.
notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=240 \
		--TemplateExporter.extra_template_basedirs=notebooks/templates --template offline --embed-images \
		--output-dir $(or $(NOTEBOOKS_OUT),out/notebooks) notebooks/*.ipynb
	@echo "open $(or $(NOTEBOOKS_OUT),out/notebooks)/*.html in a browser"

# The whole benchmark takes about an hour (the 1M-item streaming build, twice, and ~5 GB of disk).
# A quick one: make bench BENCH_ARGS="--sizes 6000,60000 --big '' --skip stages"
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# The lock is universal (any OS, Python 3.11+), made by uv from the ranges in pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(UV)"
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dask --extra notebooks \
		--universal --python-version 3.11 --upgrade --quiet -o $(LOCK)
	@echo "$(LOCK) refreshed: run make test, then commit it saying why"

docs: $(STAMP)
	$(BIN)/python -m tests.test_docs

lint: $(STAMP)
	$(BIN)/ruff check graph tests benchmarks
	$(BIN)/ruff format --check graph tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
