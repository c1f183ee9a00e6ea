# The two commands of the README:
#   make build   set up, then build the example cases into output/
#   make test    set up, then run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The mediation example: each side's own file (README, "Mediation"); its documents go to
# output/lab-lease-tenant+lab-lease-landlord/.
MEDIATION := cases/mediation/lab-lease-tenant.md cases/mediation/lab-lease-landlord.md

.PHONY: build test setup benchmark catalogs clean

build: setup
	$(BIN)/briefgen build
	$(BIN)/briefgen mediate $(MEDIATION) --mediator "Claire Dufour, CCI Lyon Métropole"

# One test process per core (pytest-xdist); a test file stays in one process, so that its
# module fixtures are built once.
test: setup
	$(BIN)/pytest -q -n auto --dist loadfile

benchmark: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_level2.py
	$(BIN)/python benchmarks/bench_meso.py
	$(BIN)/python benchmarks/bench_agreement.py
	$(BIN)/python benchmarks/bench_archive.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_rounds.py

# The offer sheet's catalogs in step with its templates (after changing their words;
# `make catalogs NEW=ko` starts a catalog for a new language), then what is still to translate.
catalogs: setup
	$(BIN)/python -m briefgen.catalogs $(NEW)

setup: $(VENV)/.installed
	@scripts/install-system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) output/*/
