# The two commands of the README:
#   make build   set up, then build the example cases into output/
#   make test    set up, then run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test setup benchmark clean

build: setup
	$(BIN)/briefgen build

test: setup
	$(BIN)/pytest -q

benchmark: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_level2.py
	$(BIN)/python benchmarks/bench_meso.py
	$(BIN)/python benchmarks/bench_archive.py
	$(BIN)/python benchmarks/bench_batch.py

setup: $(VENV)/.installed
	@scripts/install-system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) output/*/
