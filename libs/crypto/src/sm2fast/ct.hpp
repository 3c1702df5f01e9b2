#pragma once
// Hooks for the constant-time check (tests/crypto/sm2_ct_check.cpp). That program runs signing
// under valgrind's memcheck with the private key and nonce marked undefined, so memcheck reports
// every branch or memory index that depends on them. Values that are public by design (a
// signature, a public key, a "retry with the next nonce" flag) are declassified here before the
// code branches on them.
//
// With valgrind's header at build time the hook is its client request: a few instructions that
// do nothing outside valgrind. Without it, it compiles to nothing.

#include <cstddef>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TRESTLE_SM2_HAVE_MEMCHECK 1
#endif
#endif

namespace trestle::crypto::sm2fast {

// Marks `size` bytes at `data` as public (defined) for memcheck.
inline void declassify(const void* data, std::size_t size) {
#if defined(TRESTLE_SM2_HAVE_MEMCHECK)
  (void)VALGRIND_MAKE_MEM_DEFINED(data, size);
#else
  (void)data;
  (void)size;
#endif
}

// Declassifies a mask or flag and returns it, for `if (public_flag(...))`.
template <typename T>
T public_flag(T value) {
  declassify(&value, sizeof value);
  return value;
}

}  // namespace trestle::crypto::sm2fast
