/* The C API test program: c_api_test SM_DIR ECDSA_DIR EMPTY_DIR MISSING_DIR (the data dirs come
 * from make_test_chain). Prints one line per failed check and the totals. */
#include <stdio.h>
#include <string.h>

#include "check.h"

static int checks_passed = 0;
static int checks_failed = 0;

void check_true(int ok, const char* file, int line, const char* what) {
  if (ok) {
    ++checks_passed;
    return;
  }
  ++checks_failed;
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

void check_code(int got, int expected, const char* file, int line, const char* what) {
  const char* message = trestle_last_error();
  if (got != expected) {
    ++checks_failed;
    fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s); last error: \"%s\"\n", file, line, what, got,
            trestle_error_name(got), expected, trestle_error_name(expected), message);
    return;
  }
  if ((expected == TRESTLE_OK) != (message[0] == '\0')) {
    ++checks_failed;
    fprintf(stderr, "%s:%d: %s returned %s but the last error is \"%s\"\n", file, line, what, trestle_error_name(got),
            message);
    return;
  }
  ++checks_passed;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t hex_decode(const char* hex, uint8_t* out, size_t out_cap) {
  size_t len = strlen(hex);
  size_t i;
  if (len % 2 != 0 || len / 2 > out_cap) return 0;
  for (i = 0; i < len / 2; ++i) {
    int high = hex_digit(hex[2 * i]);
    int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return 0;
    out[i] = (uint8_t)(high * 16 + low);
  }
  return len / 2;
}

void hex_encode(const uint8_t* data, size_t len, char* out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < len; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * len] = '\0';
}

int bytes_are(const uint8_t* data, size_t len, const char* hex) {
  uint8_t expected[4096];
  size_t expected_len = hex_decode(hex, expected, sizeof expected);
  return expected_len == len && (len == 0 || memcmp(data, expected, len) == 0);
}

int all_bytes(const uint8_t* data, size_t len, uint8_t value) {
  size_t i;
  for (i = 0; i < len; ++i) {
    if (data[i] != value) return 0;
  }
  return 1;
}

int main(int argc, char** argv) {
  chain_dirs dirs;
  if (argc != 5) {
    fprintf(stderr, "usage: %s SM_DIR ECDSA_DIR EMPTY_DIR MISSING_DIR\n", argv[0]);
    return 2;
  }
  dirs.sm = argv[1];
  dirs.ecdsa = argv[2];
  dirs.empty = argv[3];
  dirs.missing = argv[4];

  test_general();
  test_hash();
  test_keys();
  test_sign();
  test_cipher();
  test_tx();
  test_ledger(&dirs);

  printf("checks: %d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 && checks_passed > 0 ? 0 : 1;
}
