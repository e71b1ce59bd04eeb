# wmel -- the two commands:
#   make demo   builds, turns the bundled sample into features, prints a summary, writes a PNG
#   make test   builds (-Werror) and runs the whole suite under ASan+UBSan, then in Release,
#               then on the CUDA emulator under ASan+UBSan, then the Python suite
# Both install what they need first (Debian packages; run as root on a fresh machine).

BUILD      ?= build
BUILD_SAN  ?= build-asan
BUILD_EMU  ?= build-emu-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
APT_PKGS   := build-essential cmake pkg-config libpng-dev zlib1g-dev python3 python3-venv python3-dev \
              libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libcjson-dev \
              libopenblas-dev ffmpeg
CMAKE_ARGS ?=

.PHONY: all deps build demo test test-build test-asan test-emu test-python bench clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "need root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p out
	./$(BUILD)/wmel mel data/speech_en.wav -o out/speech_en.mel80.npy --png out/speech_en.mel80.png -v
	@echo "wrote out/speech_en.mel80.npy and out/speech_en.mel80.png"

test-build: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# The CUDA backend (kernels included) on wmel's CUDA emulator (tests/cuda/emu): no GPU
# needed. Every test runs, and AUTO picks the emulated device, so the whole suite goes
# through the CUDA backend; ASan checks the kernels' memory accesses, and test_cuda_emu
# fails each CUDA call in turn.
test-emu: deps
	cmake -S . -B $(BUILD_EMU) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON -DWMEL_CUDA=EMU $(CMAKE_ARGS)
	cmake --build $(BUILD_EMU) -j $(JOBS)
	cd $(BUILD_EMU) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# The Python package in its own venv (build-py/): pip install numpy pytest, then the
# package itself from this tree; pytest's exit status is the target's (5, "no tests
# collected", fails it too).
PYTHON     ?= python3
PY_BUILD   ?= build-py
PY_VENV    := $(PY_BUILD)/venv
test-python: deps
	@test -x $(PY_VENV)/bin/python || $(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install -q numpy pytest 'scikit-build-core>=0.10'
	$(PY_VENV)/bin/pip install -q --no-build-isolation --config-settings=build-dir=$(PY_BUILD)/skbuild .
	$(PY_VENV)/bin/python -m pytest -p no:cacheprovider tests/python

test: test-asan test-build test-emu test-python

# Benchmarks (never part of `make test`): wmel against FFTW (libfftw3-dev, benchmark
# program only) and numpy's openai algorithm, side by side; table on stdout.
BENCH_BUILD ?= build-bench
BENCH_ARGS  ?=
bench:
	@dpkg -s libfftw3-dev >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq libfftw3-dev; } || echo "no libfftw3-dev: no FFTW peer"
	@python3 -c 'import numpy' 2>/dev/null || { test -x $(BENCH_BUILD)/venv/bin/python || python3 -m venv $(BENCH_BUILD)/venv; $(BENCH_BUILD)/venv/bin/pip install -q numpy; }
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	WMEL_BENCH_PYTHON=$${WMEL_BENCH_PYTHON:-$$(test -x $(BENCH_BUILD)/venv/bin/python && echo $(BENCH_BUILD)/venv/bin/python || echo python3)} \
	  ./$(BENCH_BUILD)/wmel bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_EMU) $(PY_BUILD) out
