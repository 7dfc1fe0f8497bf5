# The two commands of the README:
#   make run   install dependencies, build, start the server on ./strata-data
#   make test  install dependencies, build, run every test
BUILD_DIR ?= build
BUILD_TYPE ?= Release
DATA_DIR ?= ./strata-data
PORT ?= 8080
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test unit e2e bench check-layers fuzz-smoke asan clean format

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/strata server --data-dir $(DATA_DIR) --port $(PORT) --sample-data samples

test: build check-layers fuzz-smoke
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(JOBS)

e2e: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L e2e

# Side-by-side benchmarks against pandas & co. (figures in the README).
bench: build
	@scripts/install-deps --bench
	bench/datasets_bench.sh
	bench/endpoints_bench.sh
	bench/training_bench.sh
	bench/faiss_bench.sh
	bench/text_bench.sh
	bench/pca_anomaly_bench.sh
	bench/llm_bench.sh

check-layers:
	@scripts/check-layers

# The libFuzzer targets, built with clang in build-fuzz/, each run briefly; run
# `scripts/fuzz 600` by hand for a longer session.
fuzz-smoke: deps
	@scripts/fuzz 10

# AddressSanitizer + UndefinedBehaviorSanitizer build and tests, in build-asan/.
asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
