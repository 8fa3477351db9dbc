# Two commands from a fresh clone:  make demo   and   make test
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Train the NumPy and the PyTorch implementation side by side on the planar "flower" data.
demo: $(STAMP)
	$(BIN)/dl-parity train --impl both --dataset planar

## The whole test suite: parity on CPU (and CUDA when present), the course's results, the tools.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The fast part only (skips the tests marked slow or course).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not course" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
