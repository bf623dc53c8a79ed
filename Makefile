# Thin wrapper over CMake. The two commands that matter: `make run`, `make test`.
MAKEFLAGS += --no-print-directory
# Relative paths in ccache's hash: a fresh clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR ?= $(CURDIR)
BUILD     ?= build
ASAN_BUILD ?= build-asan
JOBS      ?= $(shell nproc)
STATE_DIR ?= $(CURDIR)/var
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60

.PHONY: all deps build run test asan bench fuzz clean man lint-man

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	SENTRY_STATE_DIR=$${SENTRY_STATE_DIR:-$(STATE_DIR)} exec $(BUILD)/mics/sentry-micsd --foreground

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSENTRY_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	@# Daemons started by e2e tests write sanitizer reports to their own logs,
	@# which the tests delete; log_path collects every report in one place.
	rm -rf $(ASAN_BUILD)/sanitizer && mkdir -p -m 1777 $(ASAN_BUILD)/sanitizer
	cd $(ASAN_BUILD) && \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$(CURDIR)/$(ASAN_BUILD)/sanitizer/asan \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/$(ASAN_BUILD)/sanitizer/ubsan \
	    ctest --output-on-failure -j $(JOBS) --timeout 900
	@if ls $(ASAN_BUILD)/sanitizer/* >/dev/null 2>&1; then \
	    echo "Sanitizer reports from processes under test:"; cat $(ASAN_BUILD)/sanitizer/*; exit 1; fi

bench: build
	@scripts/install-deps.sh --bench
	BUILD=$(BUILD) scripts/bench.sh

# libFuzzer run of the EAS query parser (clang; not part of `make test`).
# New inputs go to $(FUZZ_BUILD)/corpus; the committed seeds stay untouched.
fuzz:
	@scripts/install-deps.sh --fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENTRY_FUZZ=ON
	cmake --build $(FUZZ_BUILD) --target eas_request_fuzz -j $(JOBS)
	@mkdir -p $(FUZZ_BUILD)/corpus/eas_request
	@log=$(FUZZ_BUILD)/eas_request_fuzz.log; \
	$(FUZZ_BUILD)/daemon/eas_request_fuzz -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus/eas_request daemon/fuzz/corpus >$$log 2>&1; rc=$$?; \
	if [ $$rc -ne 0 ]; then tail -n 40 $$log; echo "fuzz: FAILED (exit $$rc), full log: $$log"; exit $$rc; fi; \
	grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' $$log

man: build
	cmake --build $(BUILD) --target man

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
