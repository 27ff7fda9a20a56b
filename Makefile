# Dossier's commands. `make serve` runs the whole API locally; `make test` is the whole
# suite (what CI runs).
.PHONY: serve token invoke invoke-stop test load bench bench-search bloat build events fmt lint fuzz-api

SUB ?= dev
ROLE ?= clerk
AGENCY ?= parks
FN ?= get-record
# The local server's data folder; DOSSIER_DATA works too. `serve` and `token` must agree on it:
# a token is signed with the folder's secret.
DATA ?=
DATA_ARG = $(if $(DATA),--data "$(DATA)")

serve: ## The whole API on http://127.0.0.1:3000, data in .dossier/ (DATA=dir, ARGS="--port 8080", "--aws")
	cargo run --release --quiet -p dossier-local -- serve $(DATA_ARG) $(ARGS)

token: ## A local bearer token: make token ROLE=officer AGENCY=parks SUB=alice (DATA=dir as for serve)
	@cargo run --release --quiet -p dossier-local -- token $(DATA_ARG) --sub "$(SUB)" --agency "$(AGENCY)" --roles "$(ROLE)"

invoke: ## One function as it ships, under the Lambda emulator, on events/$(FN).json against a seeded moto (no Docker)
	@scripts/setup-venv.sh
	@PATH="$(CURDIR)/.venv/bin:$$PATH" .venv/bin/python scripts/invoke.py $(FN) $(ARGS)

invoke-stop: ## Stop the moto server `make invoke` started
	@.venv/bin/python scripts/invoke.py --stop

test: ## Everything: lint, sam build, moto, unit/store/emulator tests
	scripts/test.sh

fuzz-api: ## Property-based API run against openapi.yaml (schemathesis; EXAMPLES=500 per operation, SEED=random)
	scripts/fuzz-api.sh

load: ## Load test of the local server (64 connections, DURATION=30s), then a count of acknowledged writes
	scripts/load-test.sh

bench: ## Cold start, warm latency, memory and size of every function against the floors
	scripts/bench.sh

bench-search: ## Search on 100,000 records: indexing rate, index size, cold and warm search under the emulator, local freshness
	scripts/bench-search.sh

bloat: ## What each dependency adds to the binaries, per crate, against the floor (bench/bloat.md)
	scripts/bloat.sh

build: ## Every function as it ships (x86_64 here; arm64 is the deploy default)
	scripts/setup-venv.sh
	PATH="$(CURDIR)/.venv/bin:$$PATH" scripts/build-functions.sh
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/.venv/bin:$$PATH" sam build --parameter-overrides Architecture=x86_64

events: ## Regenerate events/*.json from env.json's development secret
	scripts/make-events.py

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
