# akops.authentik: `make demo` runs the example playbook, `make test` runs the whole suite.
PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
COLLECTIONS := build/collections
INSTALLED   := $(COLLECTIONS)/ansible_collections/akops/authentik
SOURCES     := galaxy.yml meta/runtime.yml $(shell find plugins -name '*.py' 2>/dev/null)
PYTEST_ARGS ?= -n 2

.PHONY: venv install demo test unit integration clean

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	touch $@

# Install the collection from this checkout the way users install it (ansible-galaxy reads galaxy.yml).
install: $(INSTALLED)/MANIFEST.json

$(INSTALLED)/MANIFEST.json: $(VENV)/.installed $(SOURCES)
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) . >/dev/null

demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" ./examples/run-demo.sh

unit: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/unit

integration: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/integration

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/unit tests/integration

clean:
	rm -rf build tests/output .pytest_cache
