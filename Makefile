# Two commands do all the set-up:  `make lab` opens the lecture, `make test` runs every test.
# Each creates the virtual environment in .venv when it is missing.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
# Optional: a torch requirement to install first (CI pins the CPU build, e.g. TORCH_SPEC=torch==2.13.0).
TORCH_SPEC  ?=
# The WikiText-2 test rows, when this checkout sits beside the workplace's shared/ folder.
SHARED_WIKITEXT := $(abspath ../shared/data/wikitext-2-raw-v1-test.jsonl)
ifneq ($(wildcard $(SHARED_WIKITEXT)),)
export LESSONKIT_WIKITEXT ?= $(SHARED_WIKITEXT)
endif

.PHONY: lab test venv benchmarks sync-notebooks clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(if $(TORCH_SPEC),$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)")
	$(BIN)/python -m pip install --quiet -e ".[test,offline,fast]"
	$(if $(wildcard $(SHARED_WIKITEXT)),$(BIN)/python -m lessonkit add-wikitext $(SHARED_WIKITEXT))
	touch $@

lab: venv
	$(BIN)/jupyter lab notebooks/01_proper_noun_neurons.ipynb

# Tests run offline: the lecture's stand-ins (exact GPT-2 tokenizer, SmolLM2-135M, WikiText rows).
test: export LESSONKIT_OFFLINE ?= 1
test: export HF_HUB_OFFLINE ?= 1
test: export MPLBACKEND ?= Agg
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

benchmarks: export LESSONKIT_OFFLINE ?= 1
benchmarks: venv
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Re-create each notebook's .ipynb from its jupytext twin (notebooks/*.py, exercises/*.py).
sync-notebooks: venv
	$(BIN)/jupytext --sync notebooks/*.py exercises/*.py exercises/solutions/*.py

clean:
	rm -rf $(VENV) .pytest_cache
