# Test programs: each C file in tests/unit/ links the runtime and prints
# "ok NAME" or "not ok NAME: why" per check; tests/run does the counting.
TEST_SRC  := $(wildcard tests/unit/*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC)) \
             $(B)/tests/test_generated_ff

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libdae.a $(RUNTIME_HDR) | $(B)/tests
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Itests/unit -o $@ $< $(B)/libdae.a $(LDLIBS)

test-bins: $(DAEC) $(B)/libdae.a $(TEST_BINS)

# The suite twice: as built, and built with AddressSanitizer and UBSan.
test: test-bins
	$(MAKE) -s B=build/asan DAEC=build/asan/daec OPT="$(SAN)" RT_CFLAGS="$(SAN)" test-bins
	SAN_FLAGS="$(SAN)" tests/run

# The reference check of generated code: specs/ff.dae compiled by daec,
# linked (main renamed) with tests/reference/test_generated.c.
$(B)/tests/gen_ff.c: specs/ff.dae $(DAEC) | $(B)/tests
	./$(DAEC) $< -o $@
$(B)/tests/gen_ff.o: $(B)/tests/gen_ff.c $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Dmain=generated_trainer_main -c -o $@ $<
$(B)/tests/test_generated_ff: tests/reference/test_generated.c $(B)/tests/gen_ff.o tests/unit/check.h $(B)/libdae.a
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Itests/unit -o $@ $< $(B)/tests/gen_ff.o $(B)/libdae.a $(LDLIBS)

# make bench's sgemm floor program, linked with the generated ff model.
$(B)/bench/gen_ff.c: specs/ff.dae $(DAEC)
	mkdir -p $(B)/bench && ./$(DAEC) $< -o $@
$(B)/bench/gen_ff.o: $(B)/bench/gen_ff.c $(RUNTIME_HDR)
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Dmain=generated_trainer_main -c -o $@ $<
$(B)/bench/sgemm_floor_ff: bench/sgemm_floor.c $(B)/bench/gen_ff.o $(B)/libdae.a
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -o $@ $< $(B)/bench/gen_ff.o $(B)/libdae.a $(LDLIBS)
