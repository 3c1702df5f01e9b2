// Constant-time check of SM2 key derivation and signing (libs/crypto/src/sm2fast), in the manner
// of libsecp256k1's ctime_tests: the private key and the nonce are marked undefined for
// valgrind's memcheck, so any branch or memory index that depends on them is reported as a use
// of uninitialised memory. Run as
//
//   valgrind --error-exitcode=1 --track-origins=yes sm2_ct_check
//
// Outputs that are public by design (public key, signature) are declassified before they are
// compared. Without valgrind the program just runs (the client requests do nothing) and checks
// the results, so it also works as a plain smoke test.
//
// Valgrind hides BMI2/ADX from CPUID, so the arithmetic would silently take the portable path;
// when /proc/cpuinfo shows the host has them, the checks run a second time with the MULX/ADX
// assembly forced on (valgrind executes those instructions fine).

#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "sm2fast/fp.hpp"
#include "sm2fast/sm2_fast.hpp"

namespace {

using trestle::Hash256;
using trestle::crypto::Point64;
using namespace trestle::crypto::sm2fast;

void secret(void* data, std::size_t size) { (void)VALGRIND_MAKE_MEM_UNDEFINED(data, size); }
void publish(const void* data, std::size_t size) { (void)VALGRIND_MAKE_MEM_DEFINED(data, size); }

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "sm2_ct_check: FAILED: %s\n", what);
    ++failures;
  }
}

bool host_has_bmi2_adx() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) {
      return line.find(" bmi2") != std::string::npos && line.find(" adx") != std::string::npos;
    }
  }
  return false;
}

void run_checks(const char* arithmetic) {
  std::fprintf(stderr, "sm2_ct_check: %s arithmetic\n", arithmetic);
  // Several keys, so that secret-dependent behaviour cannot hide behind one lucky value; the
  // last ones are the range ends.
  Bytes32 keys[4];
  for (int i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 32; ++j) keys[i][j] = static_cast<std::uint8_t>(0x3d * (j + 1) + 0x55 * i);
  }
  keys[2].fill(0);
  keys[2][31] = 1;  // d = 1
  keys[3] = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x21};  // n-2
  Hash256 e;
  for (std::size_t j = 0; j < 32; ++j) e[j] = static_cast<std::uint8_t>(0xa7 ^ (j * 13));

  for (Bytes32& d : keys) {
    secret(d.data(), d.size());

    const bool valid = private_scalar_valid(d);
    publish(&valid, sizeof valid);
    expect(valid, "private_scalar_valid");

    Point64 pub = derive_public(d);
    publish(pub.data(), pub.size());

    auto key = SigningKey::from_bytes(d);
    expect(key.ok(), "SigningKey::from_bytes");
    if (!key.ok()) continue;
    expect(key->public_key() == pub, "public key of SigningKey == derive_public");

    for (NonceMode mode : {NonceMode::kDeterministic, NonceMode::kRandom}) {
      auto sig = key->sign_digest(e, mode);
      expect(sig.ok(), "sign_digest");
      if (!sig.ok()) continue;
      publish(&sig.value(), sizeof sig.value());
      expect(verify_digest(pub, e, sig.value()), "signature verifies");
    }

    auto one_shot = sign_digest(d, e);
    expect(one_shot.ok(), "one-shot sign_digest");
    if (one_shot.ok()) {
      publish(&one_shot.value(), sizeof one_shot.value());
      expect(verify_digest(pub, e, one_shot.value()), "one-shot signature verifies");
    }

    Bytes32 k;
    for (std::size_t j = 0; j < 32; ++j) k[j] = static_cast<std::uint8_t>(d[j] ^ 0x5a);
    k[0] = 0x12;  // keep k below n whatever d is
    secret(k.data(), k.size());
    auto fixed = key->sign_digest_with_nonce(e, k);
    expect(fixed.ok(), "sign_digest_with_nonce");
    if (fixed.ok()) {
      publish(&fixed.value(), sizeof fixed.value());
      expect(verify_digest(pub, e, fixed.value()), "fixed-nonce signature verifies");
    }
    publish(d.data(), d.size());
  }
}

}  // namespace

int main() {
  const bool adx_host = host_has_bmi2_adx();
#if defined(TRESTLE_SM2_X86_64_ASM)
  g_fp_use_adx = false;
#endif
  run_checks("portable");
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (adx_host) {
    g_fp_use_adx = true;
    run_checks("x86-64 MULX/ADX");
  }
#else
  (void)adx_host;
#endif
  if (failures != 0) return 1;
  std::fprintf(stderr, "sm2_ct_check: ok (%s)\n", RUNNING_ON_VALGRIND ? "under valgrind" : "not under valgrind");
  return 0;
}
