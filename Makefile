# coursebridge — the two commands: `make dev` (run everything locally) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_ENV := AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 PYENV_VERSION=3.12.1
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: dev test install lint format template unit integration e2e bench build deploy clean checkov mutation

## make dev: install what is missing, then run the whole system on 127.0.0.1 until Ctrl-C
dev: install
	$(PY) -m local

## make test: lint, template checks (cfn-lint, sam validate --lint, sam build) and every test
test: install chromium lint template
	$(PY) -m pytest

install: $(VENV)/.installed node_modules/.installed java

$(VENV)/.installed: pyproject.toml layers/common/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## DynamoDB Local needs a Java 17+ JDK (its loopback launcher is compiled by jdk.compiler)
java:
	@{ java -version 2>&1 | head -1 | grep -Eq '"(1[7-9]|[2-9][0-9])' && \
	   java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; } || \
	  { apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless; }

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) tools/complexity_gate.py layers/common/coursebridge
	$(VENV)/bin/cfn-lint template.yaml

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

template: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) validate --lint
	$(SAM_ENV) $(SAM) build --cached
	@# the layer ships bytecode for the runtime's Python (layers/common/Makefile)
	@test -f .aws-sam/build/CommonLayer/python/coursebridge/store/__pycache__/keys.cpython-312.pyc \
		|| { echo "the built layer has no bytecode"; exit 1; }

## make checkov: the template's security scan; the checks skipped are answered in docs/SECURITY.md
CHECKOV_ANSWERED := CKV_AWS_116,CKV_AWS_117,CKV_AWS_173,CKV_AWS_115,CKV_AWS_158,CKV_AWS_119,CKV_AWS_149,CKV_AWS_27,CKV_AWS_18
checkov: .venv-checkov/.installed
	.venv-checkov/bin/checkov -f template.yaml --compact --quiet --skip-check $(CHECKOV_ANSWERED)

.venv-checkov/.installed:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet checkov
	touch $@

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

## make mutation: mutmut over the rule modules against the unit tests (~8 min on 2 cores; not
## in CI); prints killed/total per module. Survivors and their reasons: docs/TESTING.md
mutation: $(VENV)/.installed
	$(PY) tools/mutation.py

e2e: install chromium
	$(PY) -m pytest tests/e2e

bench: install
	$(PY) -m bench

build: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) build

deploy: build
	$(SAM_ENV) $(SAM) deploy --guided

clean:
	rm -rf .aws-sam .local .pytest_cache .ruff_cache .mutation
