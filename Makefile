# tessera: the two commands a newcomer needs are `make demo` and `make test`.
BUILD      ?= build
JOBS       ?= $(shell nproc)
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CMAKE_ARGS ?=

.PHONY: all build test demo format format-check tidy asan bench fuzz clean bootstrap

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GENERATOR) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Installs what is missing, builds, runs every test (unit, fixtures, e2e, brief fuzzing).
test: bootstrap
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory format-check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

demo: bootstrap build
	scripts/demo

format:
	@git ls-files '*.h' '*.cc' | xargs -r clang-format -i

format-check:
	@git ls-files '*.h' '*.cc' | xargs -r clang-format --dry-run --Werror

# clang-tidy is slow on 2 cores: check the files changed against main (or TIDY_FILES=...).
TIDY_FILES ?= $(shell (git diff --name-only origin/main 2>/dev/null || git diff --name-only HEAD~1) | grep -E '^(src|apps)/.*\.cc$$')
tidy: $(BUILD)/CMakeCache.txt
	@if [ -n "$(TIDY_FILES)" ]; then clang-tidy -p $(BUILD) --quiet $(TIDY_FILES); else echo "tidy: no changed files"; fi

asan: bootstrap
	cmake -S . -B build-asan $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DTESSERA_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 1800

FUZZ_SECONDS ?= 60
fuzz: bootstrap
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

bench: bootstrap build
	bench/run

clean:
	rm -rf $(BUILD) build-asan build-fuzz
