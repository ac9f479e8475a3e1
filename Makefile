# Two commands do all the set-up:  `make lab` opens the lecture, `make test` runs every test.
# Each creates the virtual environment in .venv when it is missing.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
# Optional: the torch to install first, as pip arguments. Without it pip takes PyPI's default torch,
# which on Linux is the multi-GB CUDA build. The CPU build:
#   make test TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
# (quote a requirement that holds < or >: TORCH_SPEC="'torch>=2.1' --index-url ..."). The spec is
# recorded in $(VENV)/.torch-spec: a different one replaces the installed torch on the next make, no
# `make clean` needed; leaving TORCH_SPEC empty keeps whatever torch is installed.
TORCH_SPEC  ?=
TORCH_STAMP := $(VENV)/.torch-spec
# The WikiText-2 test rows, when this checkout sits beside the workplace's shared/ folder.
SHARED_WIKITEXT := $(abspath ../shared/data/wikitext-2-raw-v1-test.jsonl)
ifneq ($(wildcard $(SHARED_WIKITEXT)),)
export LESSONKIT_WIKITEXT ?= $(SHARED_WIKITEXT)
endif

.PHONY: lab test venv benchmarks mutants sync-notebooks exercises colab-check clean FORCE

venv: $(VENV)/.installed

# The stamp changes only when a non-empty TORCH_SPEC differs from the one recorded, so that a new spec
# (and only a new spec) makes the environment out of date.
$(TORCH_STAMP): FORCE
	@mkdir -p $(VENV)
	@if [ -n '$(strip $(TORCH_SPEC))' ] && [ "$$(cat $@ 2>/dev/null)" != '$(strip $(TORCH_SPEC))' ]; then \
		printf '%s\n' '$(strip $(TORCH_SPEC))' > $@; fi
	@test -f $@ || touch $@

# A torch spec newer than the last install replaces the torch installed before (pip would keep any
# installed torch that satisfies the new requirement, e.g. a CUDA build where the CPU one is asked for).
$(VENV)/.installed: pyproject.toml $(TORCH_STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
ifneq ($(strip $(TORCH_SPEC)),)
	if [ $(TORCH_STAMP) -nt $@ ] && $(BIN)/python -m pip show --quiet torch >/dev/null 2>&1; then \
		$(BIN)/python -m pip uninstall --quiet --yes torch; fi
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
endif
	$(BIN)/python -m pip install --quiet -e ".[test,offline,fast]"
	$(if $(wildcard $(SHARED_WIKITEXT)),$(BIN)/python -m lessonkit add-wikitext $(SHARED_WIKITEXT))
	touch $@

# The lecture opens from copies (git ignores workspace/; a copy already there is the class's work and
# is kept): what students run and save never changes a tracked file, so `make test` still passes after
# class. The copies carry no jupytext pairing and JupyterLab runs without jupytext's server extension,
# so no .py twin appears beside them (tools/lab.py; `python tools/lab.py` is the same without make).
WORKSPACE   ?= workspace
LAB_ARGS    ?=  # more options for jupyter lab, e.g. LAB_ARGS="--port=8890 --no-browser"

lab: venv
	$(BIN)/python tools/lab.py --workspace $(WORKSPACE) $(LAB_ARGS)

# Tests run offline: the lecture's stand-ins (exact GPT-2 tokenizer, SmolLM2-135M, WikiText rows).
test: export LESSONKIT_OFFLINE ?= 1
test: export HF_HUB_OFFLINE ?= 1
test: export MPLBACKEND ?= Agg
test: export LESSONKIT_STRICT_CHECKS ?= 1
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

benchmarks: export LESSONKIT_OFFLINE ?= 1
benchmarks: venv
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Mutation testing (not part of `make test`): mutmut puts small bugs into the modules that compute what
# students read, one at a time, and runs each module's fast tests; prints the score per module and every
# change no test caught. Which modules, and which tests: TARGETS in tests/mutation.py. One module (and
# those sharing its tests): make mutants MUTANTS=lessonkit/regression.py
MUTMUT_SPEC ?= mutmut>=3.8,<4
MUTANTS     ?=
mutants: export LESSONKIT_OFFLINE ?= 1
mutants: export HF_HUB_OFFLINE ?= 1
mutants: export MPLBACKEND ?= Agg
mutants: export LESSONKIT_STRICT_CHECKS ?= 1
mutants: venv
	$(BIN)/python -m pip install --quiet '$(MUTMUT_SPEC)'
	nice -n 19 $(BIN)/python tests/mutation.py $(MUTANTS)

# Re-create each notebook's .ipynb from its jupytext twin (notebooks/*.py, exercises/*.py).
sync-notebooks: venv
	$(BIN)/jupytext --sync notebooks/*.py
	$(BIN)/python exercises/build.py

# The exercise notebooks, student and solved, from their one source each (exercises/solutions/NN_*.py,
# the solved notebook with ### BEGIN/END SOLUTION markers); see exercises/README.md.
exercises: venv
	$(BIN)/python exercises/build.py

# Colab's stack, to check every notebook where students run it (not part of `make test`; a 7.5 GB venv,
# once). A separate venv with Colab-like versions: Python 3.12, ipywidgets 7, transformers 4.5x, numpy
# 2.0, and torch from PyPI -- a CUDA build, as Colab's (PyPI has no CPU build for Python 3.12; with the
# PyTorch index reachable, COLAB_TORCH_SPEC="torch==2.8.0 --index-url https://download.pytorch.org/whl/cpu"
# is ~200 MB instead). lessonkit goes in the way the notebook's first cell puts it there (--no-deps),
# then every notebook and exercise notebook (student and solved) runs offline under nbval, once per
# model of COLAB_MODELS: gpt2-medium-random (gpt2-medium's shape and GPT-2's exact tokenizer with
# random weights: Colab's code path, numbers meaningless) and smollm2-135m (the offline stand-in).
COLAB_PYTHON     ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
COLAB_VENV       ?= .colab-venv
COLAB_TORCH_SPEC ?= torch==2.8.0
COLAB_NOTEBOOKS  ?= notebooks/*.ipynb exercises/*.ipynb exercises/solutions/*.ipynb
COLAB_MODELS     ?= gpt2-medium-random smollm2-135m
COLAB_STACK      ?= numpy==2.0.2 transformers==4.57.6 ipywidgets==7.7.1 ipykernel==6.17.1 \
                    statsmodels==0.14.5 datasets==4.0.0 matplotlib==3.10.0 pandas==2.2.2 scipy==1.16.3 scikit-learn==1.6.1 numba==0.60.0 \
                    tqdm==4.67.1 accelerate==1.10.1 gguf nbval pytest
COLAB_VERSIONS   := import sys, importlib.metadata as m, lessonkit; print("Python", sys.version.split()[0]); \
                    print(*(f"{p} {m.version(p)}" for p in ("torch", "transformers", "numpy", "ipywidgets", \
                    "ipykernel", "statsmodels", "datasets", "matplotlib", "pandas", "scipy")), sep=", "); \
                    print("lessonkit from", lessonkit.__file__)

$(COLAB_VENV)/.installed: Makefile
	@test -n "$(COLAB_PYTHON)" || { echo "colab-check needs Python 3.12: make colab-check COLAB_PYTHON=/path/to/python3.12"; exit 1; }
	test -x $(COLAB_VENV)/bin/python || $(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet $(COLAB_TORCH_SPEC) $(COLAB_STACK)
	touch $@

colab-check: export LESSONKIT_OFFLINE ?= 1
colab-check: export HF_HUB_OFFLINE ?= 1
colab-check: export MPLBACKEND ?= Agg
colab-check: export LESSONKIT_STRICT_CHECKS ?= 1
# a cache of its own, fresh as on Colab (SmolLM2 converted by transformers 5 does not load in 4.x)
colab-check: export LESSONKIT_CACHE ?= $(abspath $(COLAB_VENV))/lessonkit-cache
colab-check: export PYDEVD_DISABLE_FILE_VALIDATION ?= 1
colab-check: $(COLAB_VENV)/.installed
	$(COLAB_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall "$(CURDIR)"
	cd $(COLAB_VENV) && bin/python -c '$(COLAB_VERSIONS)'
	failed=""; for model in $(COLAB_MODELS); do \
		echo "== colab-check: LESSONKIT_MODEL=$$model"; \
		LESSONKIT_MODEL=$$model $(COLAB_VENV)/bin/python -m pytest -p no:cacheprovider $(COLAB_NOTEBOOKS) || failed="$$failed $$model"; \
	done; test -z "$$failed" || { echo "colab-check failed on:$$failed"; exit 1; }

clean:
	rm -rf $(VENV) $(COLAB_VENV) .pytest_cache
