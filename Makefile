# akops.authentik: `make demo` runs the example playbook, `make test` runs the whole suite and every gate,
# `make test-matrix` runs the playbook tests on the oldest and the newest supported ansible-core (tests written for
# several emulated authentik releases against the newest of them there; `make test` runs them all).
PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
COLLECTIONS := build/collections
INSTALLED   := $(COLLECTIONS)/ansible_collections/akops/authentik
SOURCES     := galaxy.yml meta/runtime.yml $(shell find plugins -name '*.py' 2>/dev/null)
# Two workers for CI's two cores; the slowest tests are listed at the end, to keep `make test` well inside CI's limit.
PYTEST_ARGS ?= -n 2 --durations=15

# Gate tools (ansible-test, ansible-lint, antsibull-docs, antsibull-changelog, ansible-builder, galaxy-importer).
GATES       ?= .venv-gates
GATES_BIN   := $(GATES)/bin
# The gate tools run with their venv first on PATH and with the collection installed by `make install`.
GATES_ENV   := PATH="$(CURDIR)/$(GATES_BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/$(COLLECTIONS)"

# The compatibility matrix: the oldest ansible-core that meta/runtime.yml admits, and the newest release,
# which needs Python 3.12 or later (taken from PATH or pyenv).
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
OLDEST_CORE    ?= $(shell sed -n 's/^requires_ansible: *">= *\([0-9]*\.[0-9]*\).*/\1/p' meta/runtime.yml)
OLDEST_PYTHON  ?= $(PYTHON)
NEWEST_CORE    ?= 2.21
# pyenv shims answer `command -v` even for versions they cannot run, so every candidate is tried.
NEWEST_PYTHON  ?= $(firstword $(foreach candidate,\
                    $(wildcard $(PYENV_VERSIONS)/3.13*/bin/python3.13 $(PYENV_VERSIONS)/3.12*/bin/python3.12)\
                    $(shell command -v python3.13 python3.12 2>/dev/null),\
                    $(shell $(candidate) -c 'import sys' >/dev/null 2>&1 && echo $(candidate))))

.PHONY: venv install demo bench soak test unit integration clean \
        gates-venv gates sanity lint docs docs-check changelog-lint galaxy-check ee-check test-matrix

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

# Not part of `make test`: per-user loop vs. uri tasks vs. the bulk module at 10,000 and 100,000 users against a
# server with a real server's latency; writes docs/performance.md (about half an hour).
bench: install
	$(BIN)/python -m tests.bench.run --output docs/performance.md

# Not part of `make test`, which runs the same test with 300 users: converge 5,000 users while the server fails a
# seeded 5% of the requests, then rerun.
soak: install
	AKOPS_SOAK_USERS=5000 $(BIN)/python -m pytest -v tests/integration/test_scale.py -k transient_faults

unit: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/unit

integration: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/integration

# The gates first, then the unit and playbook tests.
test: install gates
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/unit tests/integration

gates-venv: $(GATES)/.installed

$(GATES)/.installed: tests/gates/requirements.txt
	$(PYTHON) -m venv $(GATES)
	$(GATES_BIN)/python -m pip install --quiet --upgrade pip
	$(GATES_BIN)/python -m pip install --quiet -r tests/gates/requirements.txt
	touch $@

gates: sanity lint docs-check docs changelog-lint galaxy-check ee-check

# ansible-test sanity on every Python that ansible-test supports and finds, no ignore files.
sanity: gates-venv
	tests/gates/sanity.sh $(GATES_BIN)/ansible-test

# ansible-lint (production profile) on the collection, examples/ and the test playbooks, then on every
# module's EXAMPLES written out as playbooks by docs-check.
lint: install gates-venv docs-check
	$(GATES_ENV) ansible-lint --nocolor
	@# Outside the checkout, so that .ansible-lint's exclusion of build/ does not apply to them.
	tmp="$$(mktemp -d)" && cp .ansible-lint build/examples/*.yml "$$tmp/" && \
	  cd "$$tmp" && $(GATES_ENV) ansible-lint --nocolor *.yml && rm -rf "$$tmp"

# ansible-doc renders every module; EXAMPLES parse as tasks (written to build/examples); antsibull-docs lints
# the collection's documentation.
docs-check: install gates-venv
	rm -rf build/examples
	$(GATES_ENV) $(GATES_BIN)/python tests/gates/docs_check.py build/examples
	$(GATES_ENV) antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs self .

# The module reference as HTML, generated from the modules' DOCUMENTATION: build/docs/html/index.html.
docs: install gates-venv
	$(GATES_ENV) tests/gates/docs.sh

changelog-lint: gates-venv
	$(GATES_ENV) antsibull-changelog lint
	$(GATES_ENV) antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	$(GATES_BIN)/python tests/gates/versions_check.py

# The tarball (build/dist) holds only what users need; galaxy-importer accepts it.
galaxy-check: gates-venv
	$(GATES_ENV) tests/gates/galaxy_check.sh

# ansible-builder finds the collection's requirements and accepts the EE definitions (offline).
ee-check: galaxy-check
	$(GATES_ENV) tests/gates/ee_check.sh

.venv-%/.installed: tests/requirements.txt
	@test -n "$(CORE_PYTHON)" || { echo "no Python for ansible-core $*: set OLDEST_PYTHON / NEWEST_PYTHON" >&2; exit 1; }
	$(CORE_PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	grep -v '^ansible-core' tests/requirements.txt >.venv-$*/requirements.txt
	.venv-$*/bin/python -m pip install --quiet -r .venv-$*/requirements.txt 'ansible-core==$*.*'
	touch $@

.venv-$(OLDEST_CORE)/.installed: CORE_PYTHON = $(OLDEST_PYTHON)
.venv-$(NEWEST_CORE)/.installed: CORE_PYTHON = $(NEWEST_PYTHON)

# The playbook tests on the oldest and the newest ansible-core, each in its own venv (`make test` runs them
# on the default one).
test-matrix: install .venv-$(OLDEST_CORE)/.installed .venv-$(NEWEST_CORE)/.installed
	@for core in $(OLDEST_CORE) $(NEWEST_CORE); do \
	  echo "== playbook tests on $$(.venv-$$core/bin/ansible --version | sed -n 1p), $$(.venv-$$core/bin/python --version)"; \
	  AKOPS_NEWEST_RELEASE_ONLY=1 .venv-$$core/bin/python -m pytest $(PYTEST_ARGS) tests/integration || exit 1; \
	done

clean:
	rm -rf build tests/output .pytest_cache
