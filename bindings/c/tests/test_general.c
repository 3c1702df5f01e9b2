/* Version, error names and the per-thread last-error message. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <string.h>

#include "check.h"

static void* fail_in_thread(void* result) {
  uint8_t digest[32];
  size_t digest_len = sizeof digest;
  *(int*)result = trestle_hash(99, NULL, 0, digest, &digest_len);
  return strstr(trestle_last_error(), "unknown hash algorithm") != NULL ? result : NULL;
}

static void test_version(void) { CHECK(strcmp(trestle_version(), TRESTLE_EXPECTED_VERSION) == 0); }

static void test_error_names(void) {
  CHECK(strcmp(trestle_error_name(TRESTLE_OK), "ok") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_INVALID_ARGUMENT), "invalid_argument") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_LIMIT_EXCEEDED), "limit_exceeded") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_NOT_FOUND), "not_found") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_AUTH_FAILED), "auth_failed") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_IO), "io") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_CORRUPT), "corrupt") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_UNSUPPORTED), "unsupported") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_INTERNAL), "internal") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_NULL_ARGUMENT), "null_argument") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_BUFFER_TOO_SMALL), "buffer_too_small") == 0);
  CHECK(strcmp(trestle_error_name(TRESTLE_ERR_NO_MEMORY), "no_memory") == 0);
  CHECK(strcmp(trestle_error_name(12), "unknown") == 0);
  CHECK(strcmp(trestle_error_name(-1), "unknown") == 0);
}

static void test_last_error(void) {
  uint8_t digest[32];
  size_t digest_len = sizeof digest;
  pthread_t thread;
  int thread_result = -1;
  void* thread_message_ok = NULL;

  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, NULL, 0, digest, &digest_len), TRESTLE_OK);
  CHECK(strcmp(trestle_last_error(), "") == 0);
  digest_len = sizeof digest;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, NULL, 5, digest, &digest_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_MESSAGE("data is NULL");

  /* Another thread's failure does not touch this thread's message. */
  CHECK(pthread_create(&thread, NULL, fail_in_thread, &thread_result) == 0);
  CHECK(pthread_join(thread, &thread_message_ok) == 0);
  CHECK(thread_result == TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(thread_message_ok != NULL);
  CHECK_MESSAGE("data is NULL");

  /* A success clears it. */
  digest_len = sizeof digest;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SHA256, (const uint8_t*)"", 0, digest, &digest_len), TRESTLE_OK);
  CHECK(trestle_last_error()[0] == '\0');
}

void test_general(void) {
  test_version();
  test_error_names();
  test_last_error();
}
