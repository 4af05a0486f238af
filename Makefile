# SPDX-License-Identifier: Apache-2.0
# The two set-up commands: `make demo` and `make check`. Both install what is
# missing (Debian 12, as root), build, then run. build and build-asan compile the
# test hooks (-Dtest_hooks=true); build-fuzz is configured as packaging would be,
# without them, and test/integration/build.bats checks its binaries have none.
.PHONY: all deps build build-asan build-fuzz check demo demo-down bench clean

MESON_SETUP = meson setup --wipe
all: build

deps:
	@scripts/install-deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build -Dtest_hooks=true >/dev/null
	@ninja -C build

build-asan: deps
	@[ -f build-asan/build.ninja ] || meson setup build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false -Dtest_hooks=true >/dev/null
	@ninja -C build-asan

build-fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz \
		-Dfuzz=true -Db_lundef=false -Dtest_hooks=false >/dev/null
	@ninja -C build-fuzz

check: build build-asan build-fuzz
	@test/run-all.sh

demo: build
	@demo/run.sh

demo-down:
	@demo/down.sh

bench: build
	@bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
