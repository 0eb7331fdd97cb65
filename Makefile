# pxtc - the two user commands (make run, make test) and a few helpers.
# See README.md for every target and option.

BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
FUZZ_SECONDS ?= 60

# As root, the default home (/root/.pixeltable) is not reachable by the unprivileged
# service user that runs PostgreSQL: use a system folder unless the user chose one.
ifeq ($(shell id -u),0)
PIXELTABLE_HOME ?= /var/lib/pxtc
export PIXELTABLE_HOME
endif

.PHONY: all deps build build-asan test test-fast run stop fuzz clean

all: build

deps:
	bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DPXT_SANITIZE=ON \
	    -DPXT_BUILD_FUZZ=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD_ASAN) -j $(JOBS)

# Every test in the normal build, then unit and integration tests under ASan + UBSan.
test: build build-asan
	ctest --test-dir $(BUILD) --output-on-failure
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(BUILD_ASAN) --output-on-failure -L 'unit|integration'

# The normal build's tests only.
test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure

# Start what exists today: the embedded PostgreSQL and the reference app's schema.
run: build
	$(BUILD)/app/pxtc db start
	$(BUILD)/schema/pxtc-setup
	@echo "pxtc: catalog ready in $${PIXELTABLE_HOME:-$$HOME/.pixeltable}"

stop: build
	$(BUILD)/app/pxtc db stop

# Long fuzzing runs (FUZZ_SECONDS per target), outside ctest.
fuzz: build
	PXT_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(BUILD) --output-on-failure -L fuzz

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
