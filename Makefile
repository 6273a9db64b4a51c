# wearable-pipeline — every target installs what it needs, idempotently.
# Node 24 comes from the `node` dev dependency: node_modules/.bin goes first on
# PATH so `node`, `tsc` and `eslint` are the project's, not the machine's.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
TOOLS_BIN := $(shell hack/build-tools.sh --print)
export WEARABLE_TOOLS_BIN := $(TOOLS_BIN)
TEST_GLOBS := '{bin,lib,operator,jobs,outreach,dashboards,charts,hack,test}/**/*.test.ts'

.PHONY: help deps node-deps system-deps tools test lint typecheck unit demo bench control-plane clean

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.installed ## npm ci (only when the lockfile changed)

system-deps: ## Debian packages: postgresql, prometheus, alertmanager, chromium
	@hack/install-system-deps.sh

tools: ## Build etcd, kube-apiserver, kube-controller-manager, kubectl, helm (cached outside the repo)
	@hack/build-tools.sh >/dev/null

deps: node-deps system-deps tools ## Everything the tests need

lint: node-deps ## eslint
	eslint .

typecheck: node-deps ## tsc --noEmit (strict)
	tsc -p tsconfig.json

test: deps lint typecheck ## The full suite: lint, typecheck, unit and integration tests on real components
	node --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec $(TEST_GLOBS)

unit: node-deps ## Only the tests that need no external component
	TEST_UNIT_ONLY=1 node --test --test-reporter=spec $(TEST_GLOBS)

demo: node-deps ## The main job: embedded TimescaleDB, synthetic participants, ingest, impute, report
	node bin/wearable.ts demo

bench: deps ## Benchmarks; JSON results in bench/results/
	node bench/run.ts

control-plane: tools ## Start etcd + kube-apiserver + kube-controller-manager for manual use
	node hack/control-plane.ts

clean: ## Remove local demo data and outputs (not the tool cache)
	rm -rf .demo out
