# rabench — build, test and benchmark.
#
#   make            build ./rabench (release, -O2)
#   make test       build with ASan+UBSan and run every unit and end-to-end test
#   make bench      run the benchmark scripts (scripts/bench.sh)
#   make clean
#
# Output goes to build/ (release) and build/asan/ (test build). V=1 shows commands.
# FAISS's C API library: an installed libfaiss_c is used where one exists; otherwise
# scripts/build-faiss-c.sh builds it once from Debian's faiss source package into
# build/faiss_c/.

CC      ?= cc
CXX     ?= g++
MODE    ?= release
ifeq ($(MODE),asan)
OUT     := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else ifeq ($(MODE),tsan)
OUT     := build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
OPT     := -O1 -g
else
OUT     := build/release
SANFLAGS :=
OPT     := -O2 -g
endif

# snprintf truncation is how we bound paths and messages, not a bug: do not warn on it
WARN     := -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS   += -std=gnu11 $(OPT) $(WARN) $(SANFLAGS) -fopenmp -I. -MMD -MP
# libpq's header: Debian puts it in /usr/include/postgresql (pg_config --includedir)
PG_INC   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
CFLAGS   += -I$(PG_INC)
CXXFLAGS += -std=c++17 $(OPT) $(WARN) -Wno-unused-parameter $(SANFLAGS) -fopenmp -I. -MMD -MP

# FAISS C API: installed one first, else our own build of it.
FAISS_C_SYS := $(firstword $(wildcard /usr/lib/*/libfaiss_c.so /usr/lib/libfaiss_c.so /usr/local/lib/libfaiss_c.so /usr/lib/*/libfaiss_c.a))
ifeq ($(FAISS_C_SYS),)
FAISS_C_LIB := build/faiss_c/libfaiss_c.a
FAISS_C_LINK := $(FAISS_C_LIB)
else
FAISS_C_LIB :=
FAISS_C_LINK := -lfaiss_c
endif

LDLIBS  := $(FAISS_C_LINK) -lfaiss -lopenblas -llapack -lbpf -lelf -lz -lyaml -ljson-c -lxxhash \
	   -llmdb -lsqlite3 -lpq -lncursesw -lm -lpthread
LDFLAGS += $(SANFLAGS) -fopenmp

ifeq ($(V),1)
Q :=
else
Q := @
endif

SRC_C   := $(filter-out cli/main.c,$(wildcard cli/*.c report/*.c harness/*.c config/*.c strategies/*.c \
					   workloads/*.c datasets/*.c datasets/stores/*.c datasets/indexes/*.c db/*.c lib/*.c)) \
	   $(filter-out %.bpf.c,$(wildcard bpf/*.c))
SRC_CXX := $(wildcard datasets/*.cpp)
OBJS    := $(SRC_C:%.c=$(OUT)/%.o) $(SRC_CXX:%.cpp=$(OUT)/%.o)
TESTS   := $(patsubst tests/%.c,$(OUT)/tests/%,$(wildcard tests/test_*.c))

.PHONY: all test unit bench clean faiss-c
.DELETE_ON_ERROR:
.SECONDARY:

all: rabench

rabench: $(OUT)/rabench
	$(Q)ln -sf $(OUT)/rabench rabench

$(OUT)/rabench: $(OUT)/cli/main.o $(OBJS) $(FAISS_C_LIB)
	@echo "  LINK    $@"
	$(Q)$(CXX) $(LDFLAGS) -o $@ $(OUT)/cli/main.o $(OBJS) $(LDLIBS)

# BPF: vmlinux.h generated from this kernel's BTF (never committed), each
# bpf/<name>.bpf.c compiled for the BPF target, stripped, and turned into a
# skeleton that bpf/<name>.c includes.
BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_SKEL := $(BPF_SRC:bpf/%.bpf.c=build/bpf/%.skel.h)
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
CLANG    ?= clang
BPFTOOL  ?= bpftool
CFLAGS   += -Ibuild/bpf

build/bpf/vmlinux.h:
	@mkdir -p $(@D)
	@echo "  BTF     $@"
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

build/bpf/%.bpf.o: bpf/%.bpf.c build/bpf/vmlinux.h $(wildcard bpf/*.h)
	@echo "  BPF     $@"
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -Ibuild/bpf -I. -c $< -o $@
	$(Q)llvm-strip -g $@

build/bpf/%.skel.h: build/bpf/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUT)/%.o: %.c $(FAISS_C_LIB) $(BPF_SKEL)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# hnswlib 0.6.2 (Debian's) prefetches the neighbour after the last one of a full link
# list in searchBaseLayer (hnswalg.h:214, a read one past the list's allocation):
# harmless on real hardware, a finding under ASan. Its one includer is built without
# ASan (UBSan and the rest of the build keep theirs).
$(OUT)/datasets/hnsw_bridge.o: CXXFLAGS += -fno-sanitize=address

$(OUT)/%.o: %.cpp
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@

$(OUT)/tests/%: tests/%.c $(OBJS) $(FAISS_C_LIB)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CXX) -x c $(CFLAGS) -Wno-unused-parameter -c $< -o $@.o
	$(Q)$(CXX) $(LDFLAGS) -o $@ $@.o $(OBJS) $(LDLIBS) -lcmocka

build/faiss_c/libfaiss_c.a:
	@echo "  FAISS-C $@ (from Debian's faiss source package)"
	$(Q)scripts/build-faiss-c.sh build/faiss_c

faiss-c: $(FAISS_C_LIB)

# The test build is a separate tree with sanitizers; tests/run.sh runs everything
# and ends with "N passed, N failed".
# ASan+UBSan build for the suite, plus a ThreadSanitizer rabench that
# tests/e2e_clients.sh runs concurrent clients under (RB_TSAN_BIN), and the
# release rabench for runs under a small memory limit (ASan's own memory would
# not fit in one: tests/e2e_bpf_prefetch.sh)
test:
	$(Q)$(MAKE) --no-print-directory MODE=asan build/asan/rabench unit-bins
	$(Q)$(MAKE) --no-print-directory MODE=tsan build/tsan/rabench
	$(Q)$(MAKE) --no-print-directory rabench
	$(Q)tests/run.sh build/asan

unit-bins: $(TESTS)

bench: rabench
	$(Q)scripts/bench.sh

clean:
	rm -rf build/release build/asan build/tsan build/fuzz build/bpf rabench

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- hardening tools (docs/tests.md) ----
# make fuzz [FUZZ_SECONDS=60]  libFuzzer targets tests/fuzz/fuzz_*.c, built with clang into
#                              build/fuzz/, each run on a working copy of its seed corpus
# make tsan                    MODE=tsan build (build/tsan/) + the suite, under ThreadSanitizer
# make lint                    cppcheck + clang-tidy on the project's own C
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_config fuzz_vecio fuzz_report
FUZZ_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -Wno-unknown-warning-option -Wno-unused-parameter \
	-Wno-missing-field-initializers -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -I. -MMD -MP
FUZZ_LIBS    := -lyaml -ljson-c -lxxhash -lz -lm
FZ := build/fuzz/obj
# each target links only the objects it exercises (and names the strategies itself:
# tests/fuzz/fuzz_util.h, so the registry and its BPF code stay out)
CFG_OBJS := $(addprefix $(FZ)/config/,keys.o value.o yaml.o validate.o doc.o)
build/fuzz/fuzz_config: $(FZ)/tests/fuzz/fuzz_config.o $(CFG_OBJS)
build/fuzz/fuzz_vecio: $(FZ)/tests/fuzz/fuzz_vecio.o $(FZ)/datasets/vecio.o $(FZ)/datasets/import.o \
	$(FZ)/lib/fsutil.o
build/fuzz/fuzz_report: $(FZ)/tests/fuzz/fuzz_report.o $(addprefix $(FZ)/report/,report_io.o html_util.o \
	report_md.o report_html.o report_timeline.o report_csv.o compare.o) \
	$(FZ)/lib/stats.o $(FZ)/lib/stattest.o $(CFG_OBJS) \
	$(FZ)/bpf/probes_json.o $(FZ)/lib/jsonfmt.o $(FZ)/lib/fsutil.o

$(FZ)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

build/fuzz/fuzz_%:
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_LIBS)

fuzz-bins: $(FUZZ_TARGETS:%=build/fuzz/%)

fuzz: fuzz-bins
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t build/fuzz/crashes && \
		cp tests/fuzz/corpus/$$t/* build/fuzz/corpus/$$t/ && \
		echo "  FUZZ    $$t ($(FUZZ_SECONDS) s)" && \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crashes/$$t- build/fuzz/corpus/$$t || exit 1; \
	done

# ThreadSanitizer: the whole suite (every binary runs FAISS's, OpenBLAS's or rabench's own
# threads) with OpenMP on one thread (libgomp is not instrumented: see tests/tsan.supp);
# fails on a failed test or on any TSan report (written to build/tsan/logs/).
tsan:
	$(Q)$(MAKE) --no-print-directory MODE=tsan build/tsan/rabench unit-bins
	$(Q)rm -rf build/tsan/logs && mkdir -p build/tsan/logs && chmod 1777 build/tsan/logs  # tests also run as nobody
	$(Q)OMP_NUM_THREADS=1 RB_SKIP_FUZZ=1 TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp \
		log_path=$(CURDIR)/build/tsan/logs/tsan second_deadlock_stack=1 history_size=4" \
		tests/run.sh build/tsan; rc=$$?; \
	if ls build/tsan/logs/tsan.* >/dev/null 2>&1; then \
		cat build/tsan/logs/tsan.*; echo "ThreadSanitizer reports: see build/tsan/logs/"; exit 1; \
	fi; echo "ThreadSanitizer: no reports"; exit $$rc

# cppcheck + clang-tidy (.clang-tidy, tests/cppcheck.supp) on the project's own C (tests/lint.sh)
lint: $(BPF_SKEL)
	$(Q)tests/lint.sh

.PHONY: fuzz fuzz-bins tsan lint
