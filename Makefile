# The two commands of the README are `make run` and `make test`; everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 6443
CONFIGURATION ?= Release
# Debian packages the tests and benchmarks use; installed on demand by scripts/install-deps.sh.
TEST_PACKAGES := kubectl kcat chromium prometheus python3-torch python3-onnx
BENCH_PACKAGES := wrk hey

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build everything (warnings are errors)
	dotnet build MetricsAdapter.sln -c $(CONFIGURATION) --nologo -v quiet

.PHONY: cli
cli: ## Build the ./metrics-adapter CLI
	./metrics-adapter --version >/dev/null

.PHONY: run
run: cli ## Serve on https://127.0.0.1:$(PORT) with dev certificates (.run/) and the demo workload
	./scripts/dev-certs.sh $(PORT)
	@echo "try: kubectl --kubeconfig .run/kubeconfig get --raw /apis/external.metrics.k8s.io/v1beta1/namespaces/demo/predicted_load"
	./metrics-adapter serve --demo --listen 127.0.0.1:$(PORT) \
	  --tls-cert-file .run/serving.crt --tls-key-file .run/serving.key --client-ca-file .run/ca.crt

.PHONY: deps
deps: ## Install the Debian packages the tests need (only missing ones)
	./scripts/install-deps.sh $(TEST_PACKAGES)

.PHONY: test
test: deps cli ## Run every test (installs what it needs first)
	/usr/bin/python3 -m unittest discover -s tests/training
	dotnet test MetricsAdapter.sln -c Debug --nologo -v quiet -- RunConfiguration.TreatNoTestsAsError=true

.PHONY: manifests
manifests: ## Render the deployment manifests offline
	kubectl kustomize manifests

.PHONY: bench
bench: bench-api bench-webhook bench-webhook-stages bench-models bench-decisions bench-simulate bench-sidecar ## Run every benchmark

.PHONY: bench-api
bench-api: cli ## Load-test metric queries against an empty endpoint of the same server (wrk)
	./scripts/install-deps.sh $(BENCH_PACKAGES)
	./bench/api/run.sh

.PHONY: bench-webhook
bench-webhook: cli ## Load-test POST /mutate with a ~5 KB pod against an empty endpoint of the same server (wrk, hey)
	./scripts/install-deps.sh $(BENCH_PACKAGES)
	./bench/webhook/run.sh

.PHONY: bench-webhook-stages
bench-webhook-stages: ## What each stage of one admission review costs (BenchmarkDotNet)
	dotnet run -c Release --project bench/MetricsAdapter.Bench.Webhook -- --filter '*'

.PHONY: bench-models
bench-models: ## Cost per update of every forecaster and detector (BenchmarkDotNet)
	dotnet run -c Release --project bench/MetricsAdapter.Bench.Models -- --filter '*' --join

.PHONY: bench-decisions
bench-decisions: cli ## Decision-manager ingestion and tick cost on one core; observation-to-served delay through the mock cluster
	./bench/decisions/run.sh

.PHONY: bench-sidecar
bench-sidecar: ## The predictor sidecar's memory, CPU and start-up, Native AOT and JIT side by side (BENCH_SIDECAR_MINUTES, default 10)
	./scripts/install-deps.sh kcat
	./bench/sidecar/run.sh

.PHONY: sidecar-aot
sidecar-aot: ## Publish the Native AOT sidecar to .build/sidecar-aot (gcc links it when clang is absent)
	dotnet publish src/MetricsAdapter.Sidecar/MetricsAdapter.Sidecar.csproj -c Release -r linux-x64 -o .build/sidecar-aot --nologo -v quiet \
	  $$(command -v clang >/dev/null || echo -p:CppCompilerAndLinker=gcc)

.PHONY: bench-simulate
bench-simulate: cli ## simulate on every trace (reactive, reactive-rps, predictive, oracle) and its run time on 90 days
	./bench/simulate/run.sh

.PHONY: clean
clean: ## Remove build output (keeps .run/)
	rm -rf .build BenchmarkDotNet.Artifacts
	find src tests bench -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
