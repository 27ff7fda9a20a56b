# Dossier's commands. `make test` is the whole suite (what CI runs).
.PHONY: test build events fmt lint

test: ## Everything: lint, sam build, moto, unit/store/emulator tests
	scripts/test.sh

build: ## Every function as it ships (x86_64 here; arm64 is the deploy default)
	scripts/setup-venv.sh
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/.venv/bin:$$PATH" sam build --parameter-overrides Architecture=x86_64

events: ## Regenerate events/*.json from env.json's development secret
	scripts/make-events.py

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
