# Test programs: each C file in tests/unit/ links the runtime and prints
# "ok NAME" or "not ok NAME: why" per check; tests/run does the counting.
TEST_SRC  := $(wildcard tests/unit/*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC))

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libdae.a $(RUNTIME_HDR) | $(B)/tests
	$(CC) $(RT_CFLAGS) $(WARN) $(CPPFLAGS) -Iruntime -Itests/unit -o $@ $< $(B)/libdae.a $(LDLIBS)

test-bins: daec $(B)/libdae.a $(TEST_BINS)

test: test-bins
	tests/run
