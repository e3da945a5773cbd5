# Test programs: each C file in tests/unit/ links the runtime and prints
# "ok NAME" or "not ok NAME: why" per check; tests/run does the counting.
TEST_SRC  := $(wildcard tests/unit/*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC)) \
             $(B)/tests/test_generated_ff $(B)/tests/test_generated_conv \
             $(B)/tests/test_generated_conv_odd $(B)/tests/test_generated_conv_2x2

$(B)/tests/%: tests/unit/%.c tests/unit/check.h tests/unit/floats.h tests/unit/conv_layer.h $(B)/libdae.a $(RUNTIME_HDR) | $(B)/tests
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Itests/unit -o $@ $< $(B)/libdae.a $(LDLIBS)

test-bins: $(DAEC) $(B)/libdae.a $(TEST_BINS)

# The suite twice: as built, and built with AddressSanitizer and UBSan.
test: data test-bins
	$(MAKE) -s B=build/asan DAEC=build/asan/daec OPT="$(SAN)" RT_CFLAGS="$(SAN)" test-bins
	SAN_FLAGS="$(SAN)" tests/run

# Reference checks of generated code: each spec compiled by daec, linked
# (main renamed) with tests/reference/test_generated.c, against its
# PyTorch fixture: $(1) name, $(2) spec, $(3) relative tolerance.
define generated_test
$(B)/tests/gen_$(1).c: $(2) $(DAEC) | $(B)/tests
	./$(DAEC) $$< -o $$@
$(call generated_test_bin,$(1),$(3))
endef
define generated_test_bin
$(B)/tests/gen_$(1).o: $(B)/tests/gen_$(1).c $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Dmain=generated_trainer_main -c -o $$@ $$<
$(B)/tests/test_generated_$(1): tests/reference/test_generated.c $(B)/tests/gen_$(1).o tests/unit/check.h $(B)/libdae.a
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -DTOLERANCE=$(2) -Iruntime -Itests/unit -o $$@ $$< $(B)/tests/gen_$(1).o $(B)/libdae.a $(LDLIBS)
endef
$(eval $(call generated_test,ff,specs/ff.dae,1e-5))
$(eval $(call generated_test,conv,specs/conv.dae,1e-4))
$(eval $(call generated_test,conv_odd,tests/reference/conv_odd.dae,1e-4))

# The conv fixture again with F(2x2, 3x3) alone on its middle conv2d,
# where daec gives 4x4 tiles to its 12x12 top left: the path daec picks
# for smaller outputs, against PyTorch on the same weights.
$(B)/tests/gen_conv_2x2.c: $(B)/tests/gen_conv.c
	sed 's|DAE_CONV_WINOGRAD_4X4, \(.*/\* conv2d \*/\)$$|DAE_CONV_WINOGRAD, \1|' $< >$@.tmp
	grep -q 'DAE_CONV_WINOGRAD, .*/\* conv2d \*/' $@.tmp && mv $@.tmp $@
$(eval $(call generated_test_bin,conv_2x2,1e-4))
