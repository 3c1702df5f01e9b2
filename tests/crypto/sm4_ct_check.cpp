// Constant-time check of the AES-NI SM4 (libs/crypto/src/sm4_block.cpp), in the manner of
// sm2_ct_check: the key and the data are marked undefined for valgrind's memcheck, so any branch
// or memory index that depends on them is reported as a use of uninitialised memory. Run as
//
//   valgrind --error-exitcode=1 --track-origins=yes sm4_ct_check
//
// The table-based implementation would fail this check (its lookups are secret-indexed); the
// program checks only the implementation that claims to be constant-time, and only where the
// CPU has it. Without valgrind it runs as a smoke test against the GB/T 32907 example.

#include <valgrind/memcheck.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "sm4_block.hpp"

namespace {

using namespace trestle::crypto::sm4;

void secret(void* data, std::size_t size) { (void)VALGRIND_MAKE_MEM_UNDEFINED(data, size); }
void publish(const void* data, std::size_t size) { (void)VALGRIND_MAKE_MEM_DEFINED(data, size); }

}  // namespace

int main() {
  if (!is_available(Implementation::kAesNi)) {
    std::printf("sm4_ct_check: no AES-NI and SSSE3 here (or hidden by valgrind): nothing to check\n");
    return 0;
  }
  int failures = 0;
  std::array<std::uint8_t, 16> key = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                      0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
  std::array<std::uint8_t, 16> iv{};
  std::array<std::uint8_t, 16 * 13> data{};
  std::memcpy(data.data(), key.data(), 16);
  secret(key.data(), key.size());
  secret(data.data(), data.size());
  secret(iv.data(), iv.size());
  const KeySchedule schedule(key, Implementation::kAesNi);
  std::array<std::uint8_t, 16> block{};
  schedule.encrypt_block(std::span<const std::uint8_t, 16>(data.data(), 16), block);
  publish(block.data(), block.size());
  const std::array<std::uint8_t, 16> expected = {0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e,
                                                 0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46};
  if (block != expected) {
    std::fprintf(stderr, "sm4_ct_check: FAILED: GB/T 32907 example\n");
    ++failures;
  }
  schedule.decrypt_block(block, block);
  std::array<std::uint8_t, 16 * 13> out{};
  schedule.cbc_encrypt(iv, data, out);  // 13 blocks: serial
  schedule.cbc_decrypt(iv, out, out);   // 13 blocks: one group of 8, one of 4, one single
  publish(out.data(), out.size());
  publish(data.data(), data.size());
  if (out != data) {
    std::fprintf(stderr, "sm4_ct_check: FAILED: CBC round trip\n");
    ++failures;
  }
  std::printf("sm4_ct_check: %s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
