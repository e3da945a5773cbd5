/* The libFuzzer entry point every target in tests/fuzz/ defines. clang's
 * -fsanitize=fuzzer supplies main() for the fuzzers; tests/fuzz/replay.c
 * supplies one for the replay drivers the test suite builds with cc. */
#ifndef DAE_FUZZ_H
#define DAE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs the code under test on data[0..size); returns 0. Anything wrong is
 * a crash, a sanitizer report or a leak, never a return value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
