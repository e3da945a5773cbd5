# Fuzzing (see tests/fuzz/): libFuzzer targets built with clang, ASan and
# UBSan, for the spec front end and the three file loaders.
#   make fuzz                        builds $(B)/fuzz/fuzz_TARGET
#   make fuzz-run FUZZ_SECONDS=600   runs each target for that long, one
#                                    after another (make -j4 runs them at
#                                    once); make fuzz-run-spec runs one
# A run reads the seeds in tests/fuzz/corpus/TARGET/, grows its own corpus
# in $(B)/fuzz/corpus/TARGET/ and leaves crashing inputs, with the
# sanitizer's report in the log, in $(B)/fuzz/artifacts/TARGET/.
# scripts/install-fuzz-deps installs what this needs.
#
# The replay drivers $(B)/tests/fuzz_replay_TARGET are the same targets
# built with $(CC) and no fuzzing engine; tests/fuzz/run builds them and
# replays every corpus and regression input.

FUZZ_TARGETS := spec idx png safetensors
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
# Objects get coverage instrumentation only; the engine links in at the end.
FUZZ_CFLAGS  ?= -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SECONDS ?= 60
FUZZ_NICE    ?= nice -n 19
# -max_len per target: specs and headers are small, PNGs a little larger.
FUZZ_LEN_spec := 4096
FUZZ_LEN_idx := 4096
FUZZ_LEN_png := 8192
FUZZ_LEN_safetensors := 4096
FUZZ_OPTS    ?= -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1

# What the loaders need of the runtime (png.c writes through history.c's
# dae_write_atomic), and of the system: no BLAS or cairo in a fuzzer.
FUZZ_RT      := error history idx png safetensors
FUZZ_LDLIBS  := -lpng -lz -lcjson -lm
FUZZ_RT_OBJ  := $(patsubst %,$(B)/fuzz/runtime/%.o,$(FUZZ_RT))
FUZZ_CC_OBJ  := $(patsubst %.c,$(B)/fuzz/%.o,$(filter-out compiler/main.c,$(COMPILER_SRC))) \
                $(B)/fuzz/grammar/dae.tab.o $(B)/fuzz/grammar/lex.yy.o
FUZZ_BINS    := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_HDR     := tests/fuzz/fuzz.h tests/fuzz/memfile.h
# Made by pattern rules only, they would count as intermediate and go.
.SECONDARY: $(FUZZ_RT_OBJ)

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

$(B)/fuzz/runtime/%.o: runtime/%.c $(RUNTIME_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) $(CPPFLAGS) -c -o $@ $<

$(B)/fuzz/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/grammar/dae.tab.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) $(CPPFLAGS) -Icompiler -I$(B)/grammar -c -o $@ $<

# The scanner and parser sources bison and flex generate for the normal
# build, compiled again; the same relaxed warnings as there.
$(B)/fuzz/grammar/%.o: $(B)/grammar/%.c $(B)/grammar/dae.tab.h $(B)/grammar/lex.yy.h $(wildcard compiler/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -std=c11 -Wall -Wextra -Werror -Wno-unused-function \
	    -Wno-sign-compare $(CPPFLAGS) -Icompiler -I$(B)/grammar -c -o $@ $<

$(B)/fuzz/fuzz_spec: tests/fuzz/fuzz_spec.c $(FUZZ_HDR) $(FUZZ_CC_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $(CPPFLAGS) -Icompiler \
	    -o $@ $< $(FUZZ_CC_OBJ) -lm

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(FUZZ_RT_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $(CPPFLAGS) -Iruntime \
	    -o $@ $< $(FUZZ_RT_OBJ) $(FUZZ_LDLIBS)

fuzz-run: $(patsubst %,fuzz-run-%,$(FUZZ_TARGETS))

# fuzz-run-TARGET, with tests/fuzz/TARGET.dict as dictionary when there is
# one. The log is $(B)/fuzz/TARGET.log; the status is libFuzzer's (nonzero
# after a crash).
define fuzz_run
.PHONY: fuzz-run-$(1)
fuzz-run-$(1): $(B)/fuzz/fuzz_$(1)
	@mkdir -p $(B)/fuzz/corpus/$(1) $(B)/fuzz/artifacts/$(1)
	{ $(FUZZ_NICE) $(B)/fuzz/fuzz_$(1) $(B)/fuzz/corpus/$(1) tests/fuzz/corpus/$(1) \
	    -max_len=$(FUZZ_LEN_$(1)) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_OPTS) \
	    $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) \
	    -artifact_prefix=$(B)/fuzz/artifacts/$(1)/ 2>&1; \
	    echo $$$$? >$(B)/fuzz/$(1).status; } | tee $(B)/fuzz/$(1).log; \
	exit $$$$(cat $(B)/fuzz/$(1).status)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_run,$(t))))

# Replay drivers: each target with tests/fuzz/replay.c's main(), built like
# the rest of the build (so also with ASan and UBSan in the sanitizer suite).
FUZZ_REPLAY_CC_OBJ := $(filter-out $(B)/compiler/main.o,$(COMPILER_OBJ))

$(B)/tests/fuzz_replay_spec: tests/fuzz/replay.c tests/fuzz/fuzz_spec.c $(FUZZ_HDR) $(FUZZ_REPLAY_CC_OBJ) | $(B)/tests
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Icompiler -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_spec.c $(FUZZ_REPLAY_CC_OBJ) -lm

$(B)/tests/fuzz_replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(B)/libdae.a | $(B)/tests
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_$*.c $(B)/libdae.a $(FUZZ_LDLIBS)
