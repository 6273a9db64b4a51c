# wearable-pipeline — every target installs what it needs, idempotently.
# Node 24 comes from the `node` dev dependency: node_modules/.bin goes first on
# PATH so `node`, `tsc` and `eslint` are the project's, not the machine's.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
TOOLS_BIN := $(shell hack/build-tools.sh --print)
export WEARABLE_TOOLS_BIN := $(TOOLS_BIN)
TEST_GLOBS := '{bin,lib,operator,jobs,outreach,dashboards,charts,hack,test}/**/*.test.ts'

.PHONY: help deps node-deps system-deps tools test lint typecheck unit image-local e2e-local demo bench control-plane clean

help: ## List targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

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

image-local: deps ## Build the Dockerfile with buildah, no Docker (hack/build-image-local.sh); prints the image's rootfs
	hack/build-image-local.sh

e2e-local: deps ## The kind flow without Docker: image built by buildah, helm install + demo CRs, pods on a local node (see README)
	node --test --test-concurrency=1 --test-reporter=spec test/integration/e2e-local-node.test.ts test/integration/e2e-chart-local-node.test.ts

unit: node-deps ## Only the tests that need no external component
	TEST_UNIT_ONLY=1 node --test --test-reporter=spec $(TEST_GLOBS)

demo: node-deps ## The main job: embedded TimescaleDB, synthetic participants, ingest, impute, report
	node bin/wearable.ts demo

bench: deps ## Benchmarks; JSON results in bench/results/
	node bench/run.ts

control-plane: tools ## Start etcd + kube-apiserver + kube-controller-manager for manual use
	node hack/control-plane.ts

# --- kind (needs Docker, kind, kubectl, helm; not available on our build machines) ---
KIND_CLUSTER ?= wearable
IMAGE_REPO ?= wearable-pipeline
IMAGE_TAG ?= dev
KPS_VERSION ?= 79.12.0
KIND_NS ?= wearables

.PHONY: kind-up images kind-load deploy demo-crs e2e-kind kind-down

kind-up: ## Create the kind cluster (kind-config.yaml: Grafana :3000, Prometheus :9090, Alertmanager :9093, outreach :8081)
	@kind get clusters | grep -qx '$(KIND_CLUSTER)' || kind create cluster --name $(KIND_CLUSTER) --config kind-config.yaml

images: ## Build the one wearable image (Dockerfile)
	docker build -t $(IMAGE_REPO):$(IMAGE_TAG) .

kind-load: ## Load the image into the kind node
	kind load docker-image $(IMAGE_REPO):$(IMAGE_TAG) --name $(KIND_CLUSTER)

deploy: ## kube-prometheus-stack (pinned), then our chart with demo Secrets
	helm repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update >/dev/null
	kubectl create namespace monitoring --dry-run=client -o yaml | kubectl apply -f -
	@# A random Grafana admin password, created once and kept.
	@kubectl -n monitoring get secret grafana-admin >/dev/null 2>&1 || kubectl -n monitoring create secret generic grafana-admin \
	  --from-literal=admin-user=admin --from-literal=admin-password="$$(head -c 18 /dev/urandom | base64)"
	kubectl -n monitoring create secret generic alertmanager-smtp --from-literal=password=demo-not-a-real-password --dry-run=client -o yaml | kubectl apply -f -
	kubectl -n monitoring create secret generic alertmanager-webhook --from-literal=token=demo-token --dry-run=client -o yaml | kubectl apply -f -
	helm upgrade --install kube-prometheus-stack prometheus-community/kube-prometheus-stack --version $(KPS_VERSION) \
	  -n monitoring -f charts/kube-prometheus-stack-values.yaml --wait --timeout 15m
	kubectl create namespace $(KIND_NS) --dry-run=client -o yaml | kubectl apply -f -
	kubectl -n $(KIND_NS) create secret generic outreach-smtp --from-literal=SMTP_URL=smtp://localhost:25 \
	  --from-literal=SMTP_FROM='Study team <study@example.org>' --dry-run=client -o yaml | kubectl apply -f -
	helm upgrade --install wearable charts/wearable-pipeline -n $(KIND_NS) \
	  --set image.repository=$(IMAGE_REPO) --set image.tag=$(IMAGE_TAG) --set image.pullPolicy=Never \
	  --set outreach.service.type=NodePort --set outreach.service.nodePort=30080 --set outreach.smtpSecretName=outreach-smtp \
	  --set database.timescaledb.persistence.size=2Gi --wait --timeout 15m
	@echo "Grafana: http://localhost:3000 (user admin, password: kubectl -n monitoring get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d)"

demo-crs: ## Sample Participants (synthetic source) and their first ingest now
	WEARABLE_NAMESPACE=$(KIND_NS) hack/e2e-kind.sh demo-crs

e2e-kind: ## On kind: data reaches TimescaleDB, Grafana has the dashboards, an alert fires
	WEARABLE_NAMESPACE=$(KIND_NS) hack/e2e-kind.sh test

kind-down: ## Delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)

clean: ## Remove local demo data and outputs (not the tool cache)
	rm -rf .demo out
