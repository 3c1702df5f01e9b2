/* A minimal check harness for the C API tests (plain C99). Every CHECK counts; main prints the
 * totals and fails when any check failed. */
#ifndef TRESTLE_C_TEST_CHECK_H
#define TRESTLE_C_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "trestle.h"

void check_true(int ok, const char* file, int line, const char* what);
/* Compares a result code; on any error code also requires a non-empty trestle_last_error(), on
 * TRESTLE_OK an empty one (the per-call message contract). */
void check_code(int got, int expected, const char* file, int line, const char* what);

#define CHECK(cond) check_true((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_RC(expr, expected) check_code((expr), (expected), __FILE__, __LINE__, #expr)
/* The last error message contains `needle`. */
#define CHECK_MESSAGE(needle) \
  check_true(strstr(trestle_last_error(), (needle)) != NULL, __FILE__, __LINE__, "last error contains \"" needle "\"")

/* Parses hex into out (capacity out_cap); returns the byte count, or 0 on a malformed string. */
size_t hex_decode(const char* hex, uint8_t* out, size_t out_cap);
/* Lower-case hex of data into out, which must hold 2 * len + 1 chars. */
void hex_encode(const uint8_t* data, size_t len, char* out);
/* 1 when data is exactly the bytes the hex string spells. */
int bytes_are(const uint8_t* data, size_t len, const char* hex);
/* 1 when every byte of data is `value`. */
int all_bytes(const uint8_t* data, size_t len, uint8_t value);

typedef struct {
  const char* sm;      /* a chain of 4 blocks, sm suite */
  const char* ecdsa;   /* a chain of 4 blocks, ecdsa suite */
  const char* empty;   /* a store with no block */
  const char* missing; /* a path with no store */
} chain_dirs;

void test_general(void);
void test_hash(void);
void test_keys(void);
void test_sign(void);
void test_cipher(void);
void test_tx(void);
void test_ledger(const chain_dirs* dirs);

#endif
