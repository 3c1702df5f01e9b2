// Micro-benchmark of the dedicated SM2 code (libs/crypto/src/sm2fast) beside OpenSSL 3's SM2
// and libsecp256k1's ECDSA, single-threaded in one run, plus batch verification on 1 and 2
// threads. Prints operations per second and ratios.
//
//   sm2_fast_bench [seconds_per_measurement]   (default 1.0)

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <secp256k1.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "sm2fast/batch_verify.hpp"
#include "sm2fast/key_cache.hpp"
#include "sm2fast/sm2_fast.hpp"

namespace {

using trestle::Hash256;
using trestle::crypto::Point64;
using namespace trestle::crypto::sm2fast;

double g_seconds = 1.0;

// The calling thread's CPU time: on a shared machine, time the thread was not running does not
// count against single-threaded measurements.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU time of the whole process (all threads).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs `op` (which does `batch` operations per call) for about g_seconds of `clock`; returns
// operations per second.
double measure(const std::function<void()>& op, std::size_t batch = 1, double (*clock)() = thread_cpu_seconds) {
  op();  // warm-up: tables, caches
  std::size_t done = 0;
  const double start = clock();
  double elapsed = 0;
  do {
    op();
    done += batch;
    elapsed = clock() - start;
  } while (elapsed < g_seconds);
  return static_cast<double>(done) / elapsed;
}

void report(const char* name, double ops) { std::printf("  %-44s %10.0f /s\n", name, ops); }

Bytes32 random32(std::mt19937_64& rng) {
  Bytes32 out;
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

EVP_PKEY* openssl_key(const Point64& xy, const Bytes32& d) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::uint8_t pub[65] = {0x04};
  std::copy(xy.begin(), xy.end(), pub + 1);
  BIGNUM* priv = BN_bin2bn(d.data(), 32, nullptr);
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1) {
    std::fprintf(stderr, "OpenSSL: cannot build an SM2 key\n");
    std::exit(1);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(priv);
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_seconds = std::atof(argv[1]);
  std::mt19937_64 rng(42);

  const Bytes32 d = random32(rng);
  auto key_result = SigningKey::from_bytes(d);
  if (!key_result.ok()) return 1;
  const SigningKey& key = key_result.value();
  const Hash256 e(random32(rng));
  const auto sig = key.sign_digest(e);
  if (!sig.ok() || !verify_digest(key.public_key(), e, sig.value())) return 1;

  std::printf("single thread, %.1f s of thread CPU time per measurement\n", g_seconds);
  std::printf("Trestle sm2fast\n");
  const double ours_sign_oneshot = measure([&] { (void)sign_digest(d, e); });
  report("sign, one-shot from key bytes (RFC 6979)", ours_sign_oneshot);
  const double ours_sign = measure([&] { (void)key.sign_digest(e); });
  report("sign, prepared SigningKey (RFC 6979)", ours_sign);
  report("sign, prepared SigningKey (random nonce)", measure([&] { (void)key.sign_digest(e, NonceMode::kRandom); }));
  report("derive public key d*G", measure([&] { (void)derive_public(d); }));
  const double ours_verify = measure([&] {
    if (!verify_digest(key.public_key(), e, sig.value())) std::abort();
  });
  report("verify", ours_verify);
  KeyTableCache cache;
  const double ours_verify_cached = measure([&] {
    if (!verify_digest(key.public_key(), e, sig.value(), &cache)) std::abort();
  });
  report("verify, key table cached", ours_verify_cached);

  // OpenSSL 3: EVP_PKEY_sign / EVP_PKEY_verify on the digest e (no Z_A hashing, like ours).
  EVP_PKEY* ossl_key = openssl_key(key.public_key(), d);
  EVP_PKEY_CTX* sign_ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, ossl_key, nullptr);
  EVP_PKEY_CTX* verify_ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, ossl_key, nullptr);
  EVP_PKEY_sign_init(sign_ctx);
  EVP_PKEY_verify_init(verify_ctx);
  std::uint8_t der[80];
  std::size_t der_len = sizeof der;
  if (EVP_PKEY_sign(sign_ctx, der, &der_len, e.data(), 32) != 1) return 1;
  std::printf("OpenSSL %s (EVP SM2 on the digest)\n", OpenSSL_version(OPENSSL_VERSION_STRING));
  const double ossl_sign = measure([&] {
    std::size_t len = sizeof der;
    if (EVP_PKEY_sign(sign_ctx, der, &len, e.data(), 32) != 1) std::abort();
    der_len = len;
  });
  report("sign", ossl_sign);
  const double ossl_verify = measure([&] {
    if (EVP_PKEY_verify(verify_ctx, der, der_len, e.data(), 32) != 1) std::abort();
  });
  report("verify", ossl_verify);

  // libsecp256k1 ECDSA on secp256k1 as the yardstick.
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  Bytes32 sk = random32(rng);
  while (secp256k1_ec_seckey_verify(ctx, sk.data()) != 1) sk = random32(rng);
  secp256k1_pubkey pk;
  secp256k1_ecdsa_signature secp_sig;
  if (secp256k1_ec_pubkey_create(ctx, &pk, sk.data()) != 1) return 1;
  if (secp256k1_ecdsa_sign(ctx, &secp_sig, e.data(), sk.data(), nullptr, nullptr) != 1) return 1;
  std::printf("libsecp256k1 (ECDSA on secp256k1)\n");
  const double secp_sign = measure([&] {
    if (secp256k1_ecdsa_sign(ctx, &secp_sig, e.data(), sk.data(), nullptr, nullptr) != 1) std::abort();
  });
  report("sign", secp_sign);
  const double secp_verify = measure([&] {
    if (secp256k1_ecdsa_verify(ctx, &secp_sig, e.data(), &pk) != 1) std::abort();
  });
  report("verify", secp_verify);

  // Batch verification: 1024 distinct keys (no cache), 1 thread vs 2 threads.
  std::vector<VerifyItem> items(1024);
  for (auto& item : items) {
    auto k = SigningKey::from_bytes(random32(rng));
    if (!k.ok()) return 1;
    item.public_key = k->public_key();
    item.digest = Hash256(random32(rng));
    item.signature = k->sign_digest(item.digest).value();
  }
  std::vector<std::uint8_t> results(items.size());
  std::printf("batch verify, %zu distinct keys, wall-clock time\n", items.size());
  BatchVerifier one(1);
  BatchVerifier two(2);
  // Wall-clock throughput is what scaling means, but on a machine shared with other work it
  // understates it; CPU time per verification across all threads shows whether the pool itself
  // costs anything (1.0 = no overhead).
  double cpu_start = process_cpu_seconds();
  double wall_start = wall_seconds();
  const double batch1 = measure([&] { one.verify(items, results); }, items.size(), wall_seconds);
  const double cpu_per_item1 = (process_cpu_seconds() - cpu_start) / ((wall_seconds() - wall_start) * batch1);
  report("1 thread", batch1);
  cpu_start = process_cpu_seconds();
  wall_start = wall_seconds();
  const double batch2 = measure([&] { two.verify(items, results); }, items.size(), wall_seconds);
  const double cpu_per_item2 = (process_cpu_seconds() - cpu_start) / ((wall_seconds() - wall_start) * batch2);
  report("2 threads", batch2);
  std::printf("  CPU time per verification, 2 threads / 1 thread: %.2f\n", cpu_per_item2 / cpu_per_item1);
  for (std::uint8_t r : results) {
    if (r != 1) return 1;
  }

  std::printf("ratios\n");
  std::printf("  sign (one-shot) / OpenSSL sign          %6.2fx  (target >= 12)\n", ours_sign_oneshot / ossl_sign);
  std::printf("  sign (prepared) / OpenSSL sign          %6.2fx\n", ours_sign / ossl_sign);
  std::printf("  verify / OpenSSL verify                 %6.2fx  (target >= 8)\n", ours_verify / ossl_verify);
  std::printf("  verify / libsecp256k1 ECDSA verify      %6.2fx  (target >= 0.9)\n", ours_verify / secp_verify);
  std::printf("  verify cached / libsecp256k1 verify     %6.2fx\n", ours_verify_cached / secp_verify);
  std::printf("  sign (one-shot) / libsecp256k1 sign     %6.2fx\n", ours_sign_oneshot / secp_sign);
  std::printf("  batch 2 threads / 1 thread              %6.2fx  (target >= 1.8)\n", batch2 / batch1);

  secp256k1_context_destroy(ctx);
  EVP_PKEY_CTX_free(sign_ctx);
  EVP_PKEY_CTX_free(verify_ctx);
  EVP_PKEY_free(ossl_key);
  return 0;
}
