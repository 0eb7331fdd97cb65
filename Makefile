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

.PHONY: all deps build build-asan test test-fast test-deploy stage run start status stop fuzz clean

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
# The deploy label (container images, compose, Helm, Terraform; minutes each, root and
# podman needed) is left to `make test-deploy`.
test: build build-asan
	ctest --test-dir $(BUILD) --output-on-failure -LE deploy
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(BUILD_ASAN) --output-on-failure -L 'unit|integration'

# The normal build's tests only.
test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -LE deploy

# The deployment shapes under podman: the images (full and slim), docker-compose, the
# Helm chart (rendered, validated, run with podman kube play) and Terraform's format.
# Needs root; installs podman, docker-compose and debootstrap when missing.
test-deploy: build
	bash tests/deploy/podman-env.sh
	ctest --test-dir $(BUILD) --output-on-failure -L deploy

# The programs the stack runs. The workers run as the service user, which may not be
# able to enter this checkout (a clone under /root): as root, stage an installed copy
# in the home; otherwise run from the build tree.
ifeq ($(shell id -u),0)
STAGE   = $(PIXELTABLE_HOME)/opt
STACK_ENV = PXTC_BIN_DIR=$(STAGE)/bin SERVER_ROUTERS_DIR=$(STAGE)/lib/pxtc/routers \
    PIXELTABLE_UDF_DIR=$(STAGE)/lib/pxtc/udfs SERVER_SERVICE_FILE=$(STAGE)/lib/pxtc/service.toml
else
STACK_ENV =
endif

stage: build
ifeq ($(shell id -u),0)
	cmake --install $(BUILD) --prefix $(STAGE) >/dev/null
	chmod -R a+rX $(STAGE)
endif

# The whole stack in the foreground: embedded PostgreSQL, schema, workers, nginx on
# http://127.0.0.1:8080 (SERVER_PORT), demo data on first start. Ctrl-C stops it all.
run: stage
	$(STACK_ENV) bash deploy/local/pxtc-stack run

# Detached: start, status, stop (for scripts).
start: stage
	$(STACK_ENV) bash deploy/local/pxtc-stack start

status:
	$(STACK_ENV) bash deploy/local/pxtc-stack status

stop:
	$(STACK_ENV) bash deploy/local/pxtc-stack stop

# Long fuzzing runs (FUZZ_SECONDS per target), outside ctest.
fuzz: build
	PXT_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(BUILD) --output-on-failure -L fuzz

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
