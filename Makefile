# daec: a compiler for denoising autoencoders.
#   make            builds daec, build/libdae.a and a trainer build/NAME for
#                   every generated build/NAME.c
#   make test       the whole test suite (ends with "N passed, N failed")
#   make data       fetches MNIST into data/mnist/
#   make golden     refreshes tests/golden/ from specs/
#   make bench      times the trainers against the PyTorch reference
#                   (bench-scaling, bench-group-caps: the pieces below)
#   make deps       installs missing Debian packages
#   make demo       the main job: deps, build, data, compile and train ff
#   make article    trains specs/ff.dae and specs/conv.dae (EPOCHS=50) and
#                   draws the article's figures into runs/article/

VERSION   := 0.1.0
CC        ?= cc
OPT       ?= -O2 -g
CFLAGS    ?= $(OPT)
WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CPPFLAGS  += -D_DEFAULT_SOURCE -DDAEC_VERSION='"$(VERSION)"'
# On CPUs with AVX-512, gcc still vectorises with 256-bit registers unless
# asked: 512 took 9% off conv's epoch (same bits); a no-op without AVX-512.
RT_CFLAGS ?= -O3 -march=native -mprefer-vector-width=512 -g
# Neither flag changes a computed value: no FP traps are ever enabled and
# errno from libm is never read. Together they let the elementwise loops
# (sigmoid, losses, optimizers) vectorise.
RT_FP     := -fno-trapping-math -fno-math-errno
# cairo draws the plots; its headers live in a subdirectory.
CAIRO_INC := $(shell pkg-config --cflags-only-I cairo 2>/dev/null || echo -I/usr/include/cairo)
LDLIBS    := -lopenblas -lcairo -lpng -lz -lcjson -lm -lpthread
FLEX      ?= flex
BISON     ?= bison
B         ?= build
DAEC      ?= daec
# The test suite runs a second time built with these (into build/asan).
SAN       := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all

COMPILER_SRC := $(wildcard compiler/*.c)
RUNTIME_SRC  := $(wildcard runtime/*.c)
RUNTIME_HDR  := $(wildcard runtime/*.h)
GRAMMAR_OBJ  := $(B)/grammar/dae.tab.o $(B)/grammar/lex.yy.o
COMPILER_OBJ := $(patsubst %.c,$(B)/%.o,$(COMPILER_SRC)) $(GRAMMAR_OBJ)
RUNTIME_OBJ  := $(patsubst %.c,$(B)/%.o,$(RUNTIME_SRC))
TRAINERS     := $(patsubst %.c,%,$(wildcard $(B)/*.c))

.PHONY: all test golden data bench deps demo article examples-results docs clean
all: $(DAEC) $(B)/libdae.a $(B)/article $(TRAINERS)

$(DAEC): $(COMPILER_OBJ)
	$(CC) $(CFLAGS) -o $@ $^

$(B)/libdae.a: $(RUNTIME_OBJ)
	rm -f $@ && ar rcs $@ $^

# Every generated trainer links the runtime; -Werror keeps generated C clean.
$(B)/%: $(B)/%.c $(B)/libdae.a $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ $< $(B)/libdae.a $(LDLIBS)

# The figures and numbers of `make article`, from trained run directories.
$(B)/article: tools/article.c $(B)/libdae.a $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ $< $(B)/libdae.a $(LDLIBS)

$(B)/runtime/%.o: runtime/%.c $(RUNTIME_HDR) | $(B)/runtime
	$(CC) $(RT_CFLAGS) $(RT_FP) $(WARN) $(CPPFLAGS) $(CAIRO_INC) -c -o $@ $<

$(B)/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/grammar/dae.tab.h | $(B)/compiler
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Icompiler -I$(B)/grammar -c -o $@ $<

$(B)/grammar/dae.tab.c $(B)/grammar/dae.tab.h &: grammar/dae.y | $(B)/grammar
	$(BISON) -Wall -Werror --defines=$(B)/grammar/dae.tab.h -o $(B)/grammar/dae.tab.c $<

$(B)/grammar/lex.yy.c $(B)/grammar/lex.yy.h &: grammar/dae.l $(B)/grammar/dae.tab.h | $(B)/grammar
	$(FLEX) --header-file=$(B)/grammar/lex.yy.h -o $(B)/grammar/lex.yy.c $<

# Generated scanners and parsers are not ours to keep warning-free in every
# respect (flex emits unused functions), so they skip -Werror's extras.
$(B)/grammar/%.o: $(B)/grammar/%.c $(B)/grammar/dae.tab.h $(B)/grammar/lex.yy.h $(wildcard compiler/*.h)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra -Werror -Wno-unused-function -Wno-sign-compare $(CPPFLAGS) -Icompiler -I$(B)/grammar -c -o $@ $<

$(B)/runtime $(B)/compiler $(B)/grammar $(B)/tests:
	mkdir -p $@

include tests/tests.mk
-include mk/install.mk
-include mk/fuzz.mk

deps:
	scripts/install-deps

data:
	scripts/fetch-mnist data/mnist

golden: $(DAEC)
	tests/golden/refresh

bench: all
	bench/run

demo:
	scripts/demo

article:
	EPOCHS=$(or $(EPOCHS),50) LIMIT=$(LIMIT) scripts/article

# Every example trained a few epochs and evaluated: README's Examples table.
examples-results:
	EPOCHS=$(or $(EPOCHS),3) LIMIT=$(LIMIT) scripts/examples

clean:
	rm -rf $(B) daec

# docs/language.md = the hand-written head + the registry's reference.
docs: $(DAEC)
	{ cat docs/language.head.md; echo; ./daec --reference; } > docs/language.md

# make bench's pieces. The sgemm floor of a model: bench/sgemm_floor.c
# linked with the generated model (its main renamed, as in the reference
# tests); it finds OpenBLAS's own cblas_sgemm with dlsym (-ldl before
# glibc 2.34); sgemm_floor_NAME_im2col, that of daec --im2col-only's
# build. make bench-scaling: the batch size x threads table alone.
$(B)/bench/gen_%.c: specs/%.dae $(DAEC)
	mkdir -p $(B)/bench && ./$(DAEC) $< -o $@
$(B)/bench/gen_%_im2col.c: specs/%.dae $(DAEC)
	mkdir -p $(B)/bench && ./$(DAEC) --im2col-only $< -o $@
$(B)/bench/gen_%.o: $(B)/bench/gen_%.c $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Dmain=generated_trainer_main -c -o $@ $<
$(B)/bench/sgemm_floor_%: bench/sgemm_floor.c bench/args.h bench/noise_batch.h $(B)/bench/gen_%.o $(B)/libdae.a
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ $< $(B)/bench/gen_$*.o $(B)/libdae.a $(LDLIBS) -ldl
$(B)/bench/group_caps_%: bench/group_caps.c bench/args.h bench/noise_batch.h $(B)/bench/gen_%.o $(B)/libdae.a
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ $< $(B)/bench/gen_$*.o $(B)/libdae.a $(LDLIBS)
.PRECIOUS: $(B)/bench/gen_%.c $(B)/bench/gen_%.o

.PHONY: bench-scaling bench-group-caps
bench-scaling: all
	bench/scaling

# make bench-group-caps [MODEL=conv] [ROUNDS=24]: the conv kernels' group
# cap against its neighbours, taking turns in one process (bench/group_caps.c).
bench-group-caps: $(B)/bench/group_caps_$(or $(MODEL),conv)
	$< $(or $(ROUNDS),24)
