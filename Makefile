# dsql-backup: every target a developer or CI needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install lint type test golden docs check bench mutation clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install dsql-backup with its test tools (editable)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check generator tests

type: $(STAMP) ## mypy --strict on generator/
	$(BIN)/mypy

test: $(STAMP) ## the whole test suite (terraform tests included; CI runs this)
	$(BIN)/python -m pytest

golden: $(STAMP) ## refresh tests/golden and tests/golden_explain from examples/ (review the diff)
	$(BIN)/python -m tests.golden
	$(BIN)/python -m tests.golden_explain

docs: $(STAMP) ## regenerate the README's table of diagnostic codes
	$(BIN)/python -m tests.readme_codes --write

check: lint type test ## everything CI checks

bench: $(STAMP) ## benchmarks: validate, compile, compile per output format, adversarial documents
	$(BIN)/python tests/benchmarks/bench.py
	$(BIN)/python tests/benchmarks/bench_formats.py
	$(BIN)/python tests/benchmarks/bench_adversarial.py

MUTATION_STAMP := $(VENV)/.installed-mutation
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	@touch $(MUTATION_STAMP)

# MUTANTS: mutant name patterns to run only some, e.g. MUTANTS='generator.terraform.risk*'; JOBS: parallel children
JOBS ?= 2
mutation: $(MUTATION_STAMP) ## mutmut over risk.py, policy/rules/ and the HCL quoting, with their unit tests (slow; not in test)
	$(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	$(BIN)/mutmut results

clean: ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info mutants
