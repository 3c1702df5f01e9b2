// SM3, SHA-256, Keccak-256 and HMAC: vectors from the standards, and differential tests against
// OpenSSL's libcrypto (SM3, SHA-256, HMAC) and against a reference Keccak sponge in this file whose
// permutation is itself checked against OpenSSL's SHA3-256.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/hash.hpp"

namespace trestle::crypto {
namespace {

constexpr std::array kAllAlgorithms = {HashAlgorithm::kSm3, HashAlgorithm::kSha256, HashAlgorithm::kKeccak256};

Bytes random_message(std::mt19937_64& rng, std::size_t size) {
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

std::size_t random_size(std::mt19937_64& rng, std::size_t max_inclusive) {
  return std::uniform_int_distribution<std::size_t>(0, max_inclusive)(rng);
}

Bytes unhex(std::string_view text) {
  auto bytes = from_hex(text);
  REQUIRE(bytes.ok());
  return bytes.value();
}

std::string repeat(std::string_view unit, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

Hash256 openssl_digest(const EVP_MD* md, ByteView data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) == 1);
  REQUIRE(size == 32);
  return Hash256::copy_of(ByteView(out.data(), size));
}

Hash256 openssl_hmac(const EVP_MD* md, ByteView key, ByteView data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  static const unsigned char kNoKey = 0;
  const unsigned char* key_ptr = key.empty() ? &kNoKey : key.data();
  REQUIRE(HMAC(md, key_ptr, static_cast<int>(key.size()), data.data(), data.size(), out.data(), &size) != nullptr);
  REQUIRE(size == 32);
  return Hash256::copy_of(ByteView(out.data(), size));
}

// A plain Keccak sponge with a 136-byte rate and 32-byte output, written from the Keccak
// reference (FIPS 202 section 3) independently of Crypto++. `domain` is the first padding byte:
// 0x01 for the original Keccak padding (Ethereum), 0x06 for FIPS 202 SHA3-256.
class ReferenceKeccak256 {
 public:
  static Hash256 digest(ByteView message, std::uint8_t domain) {
    constexpr std::size_t kRate = 136;
    std::array<std::uint64_t, 25> state{};
    auto absorb_byte = [&state](std::size_t index, std::uint8_t byte) {
      state[index / 8] ^= std::uint64_t{byte} << (8 * (index % 8));
    };
    std::size_t offset = 0;
    for (; message.size() - offset >= kRate; offset += kRate) {
      for (std::size_t i = 0; i < kRate; ++i) absorb_byte(i, message[offset + i]);
      permute(state);
    }
    const std::size_t tail = message.size() - offset;
    for (std::size_t i = 0; i < tail; ++i) absorb_byte(i, message[offset + i]);
    absorb_byte(tail, domain);
    absorb_byte(kRate - 1, 0x80);
    permute(state);
    Hash256 out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(state[i / 8] >> (8 * (i % 8)));
    return out;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, unsigned n) { return n == 0 ? x : (x << n) | (x >> (64 - n)); }

  static void permute(std::array<std::uint64_t, 25>& a) {
    static constexpr std::array<std::uint64_t, 24> kRoundConstants = {
        0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b,
        0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088,
        0x0000000080008009, 0x000000008000000a, 0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
        0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008};
    // Rotation offsets r[x][y], lane index x + 5y.
    static constexpr std::array<unsigned, 25> kRotations = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                                            25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
    for (std::uint64_t round_constant : kRoundConstants) {
      std::array<std::uint64_t, 5> column{};
      for (int x = 0; x < 5; ++x) column[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
      for (int x = 0; x < 5; ++x) {
        const std::uint64_t d = column[(x + 4) % 5] ^ rotl(column[(x + 1) % 5], 1);
        for (int y = 0; y < 5; ++y) a[x + 5 * y] ^= d;
      }
      // rho and pi: B[y][2x+3y] = rot(A[x][y], r[x][y]).
      std::array<std::uint64_t, 25> b{};
      for (int x = 0; x < 5; ++x) {
        for (int y = 0; y < 5; ++y) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], kRotations[x + 5 * y]);
      }
      for (int x = 0; x < 5; ++x) {
        for (int y = 0; y < 5; ++y) {
          a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        }
      }
      a[0] ^= round_constant;
    }
  }
};

TEST_CASE("hash: SM3 vectors from GB/T 32905", "[hash]") {
  // Appendix A.1 and A.2 of GB/T 32905-2016.
  CHECK(to_hex(sm3(as_bytes("abc"))) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  const std::string abcd16 = repeat("abcd", 16);
  CHECK(to_hex(sm3(as_bytes(abcd16))) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
  CHECK(to_hex(sm3(ByteView{})) == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
  CHECK(hash(HashAlgorithm::kSm3, as_bytes("abc")) == sm3(as_bytes("abc")));
  Hasher hasher(HashAlgorithm::kSm3);
  for (std::size_t i = 0; i < 16; ++i) hasher.update(as_bytes("abcd"));
  CHECK(to_hex(hasher.finish()) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST_CASE("hash: SHA-256 vectors from FIPS 180-4 examples", "[hash]") {
  CHECK(to_hex(sha256(ByteView{})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256(as_bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256(as_bytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
                               "rlmnopqrsmnopqrstnopqrstu"))) ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  // One million 'a', fed in uneven pieces.
  const std::string thousand_text = repeat("a", 1000);
  const std::string_view thousand_a = thousand_text;
  Hasher hasher(HashAlgorithm::kSha256);
  for (std::size_t i = 0; i < 1000; ++i) {
    const std::size_t cut = 1 + i % 7;
    hasher.update(as_bytes(thousand_a.substr(0, cut))).update(as_bytes(thousand_a.substr(cut)));
  }
  CHECK(to_hex(hasher.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("hash: Keccak-256 vectors use Ethereum's original padding, not SHA3-256", "[hash]") {
  CHECK(to_hex(keccak256(ByteView{})) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(to_hex(keccak256(as_bytes("abc"))) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  CHECK(to_hex(keccak256(as_bytes("The quick brown fox jumps over the lazy dog"))) ==
        "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
  // FIPS 202 SHA3-256("") differs: guards against linking the wrong variant.
  CHECK(to_hex(keccak256(ByteView{})) != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  CHECK(hash(HashAlgorithm::kKeccak256, as_bytes("abc")) == keccak256(as_bytes("abc")));
}

TEST_CASE("hash: the reference Keccak sponge agrees with OpenSSL SHA3-256 and the published vectors", "[hash]") {
  // Validates the test's own reference before it is used as the oracle for Keccak-256 below.
  CHECK(to_hex(ReferenceKeccak256::digest(ByteView{}, 0x01)) ==
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(to_hex(ReferenceKeccak256::digest(as_bytes("abc"), 0x01)) ==
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  std::mt19937_64 rng(0x5ca1ab1e);
  for (std::size_t size : {0, 1, 135, 136, 137, 271, 272, 273, 1000}) {
    const Bytes message = random_message(rng, size);
    INFO("size " << size);
    CHECK(ReferenceKeccak256::digest(message, 0x06) == openssl_digest(EVP_sha3_256(), message));
  }
  for (int i = 0; i < 100; ++i) {
    const Bytes message = random_message(rng, random_size(rng, 2000));
    INFO("size " << message.size());
    CHECK(ReferenceKeccak256::digest(message, 0x06) == openssl_digest(EVP_sha3_256(), message));
  }
}

TEST_CASE("hash: Keccak-256 matches the reference sponge on random messages", "[hash]") {
  std::mt19937_64 rng(0xacce55);
  for (std::size_t size : {1, 134, 135, 136, 137, 271, 272, 273, 408}) {
    const Bytes message = random_message(rng, size);
    INFO("size " << size);
    CHECK(keccak256(message) == ReferenceKeccak256::digest(message, 0x01));
  }
  for (int i = 0; i < 300; ++i) {
    const Bytes message = random_message(rng, random_size(rng, 2000));
    INFO("size " << message.size());
    CHECK(keccak256(message) == ReferenceKeccak256::digest(message, 0x01));
  }
}

TEST_CASE("hash: SM3 and SHA-256 match OpenSSL EVP on random messages", "[hash]") {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 400; ++i) {
    // Every length near a block boundary early on, random ones after.
    const std::size_t size = i < 140 ? static_cast<std::size_t>(i) : random_size(rng, 2000);
    const Bytes message = random_message(rng, size);
    INFO("size " << size);
    CHECK(sm3(message) == openssl_digest(EVP_sm3(), message));
    CHECK(sha256(message) == openssl_digest(EVP_sha256(), message));
  }
}

TEST_CASE("hash: incremental Hasher equals one-shot over random splits", "[hash]") {
  std::mt19937_64 rng(77);
  for (HashAlgorithm algorithm : kAllAlgorithms) {
    Hasher hasher(algorithm);
    CHECK(hasher.algorithm() == algorithm);
    for (int i = 0; i < 100; ++i) {
      const Bytes message = random_message(rng, random_size(rng, 1500));
      std::size_t offset = 0;
      while (offset < message.size()) {
        // Pieces of 0..200 bytes, empty updates included.
        const std::size_t piece = std::min(random_size(rng, 200), message.size() - offset);
        hasher.update(ByteView(message).subspan(offset, piece));
        offset += piece;
      }
      INFO(hash_algorithm_name(algorithm) << " size " << message.size());
      CHECK(hasher.finish() == hash(algorithm, message));
    }
  }
}

TEST_CASE("hash: Hasher resets after finish and keeps its state across moves", "[hash]") {
  for (HashAlgorithm algorithm : kAllAlgorithms) {
    INFO(hash_algorithm_name(algorithm));
    Hasher hasher(algorithm);
    hasher.update(as_bytes("ignored"));
    (void)hasher.finish();
    CHECK(hasher.finish() == hash(algorithm, ByteView{}));

    hasher.update(as_bytes("ab"));
    Hasher moved(std::move(hasher));
    moved.update(as_bytes("c"));
    Hasher assigned(HashAlgorithm::kSm3);
    assigned = std::move(moved);
    CHECK(assigned.algorithm() == algorithm);
    CHECK(assigned.finish() == hash(algorithm, as_bytes("abc")));
  }
  CHECK(sm3(as_bytes("abc")) != sha256(as_bytes("abc")));
}

TEST_CASE("hash: algorithm names round-trip and unknown names are rejected", "[hash]") {
  for (HashAlgorithm algorithm : kAllAlgorithms) {
    auto parsed = parse_hash_algorithm(hash_algorithm_name(algorithm));
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == algorithm);
  }
  CHECK(hash_algorithm_name(HashAlgorithm::kSm3) == "sm3");
  CHECK(hash_algorithm_name(HashAlgorithm::kSha256) == "sha256");
  CHECK(hash_algorithm_name(HashAlgorithm::kKeccak256) == "keccak256");
  const std::array<std::string_view, 6> bad_names = {"",        "SM3",    "sha3-256",
                                                     "sha256 ", "keccak", std::string_view("sm3\0", 4)};
  for (std::string_view bad : bad_names) {
    auto parsed = parse_hash_algorithm(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
    CHECK(parsed.error().message().find("sm3, sha256, keccak256") != std::string::npos);
  }
  // A hostile name is echoed bounded and printable.
  const std::string long_name = std::string(1000, 'x') + "\n\x1b[31m";
  auto parsed = parse_hash_algorithm(long_name);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().message().size() < 150);
  CHECK(parsed.error().message().find('\n') == std::string::npos);
}

TEST_CASE("hash: HMAC-SHA256 test cases from RFC 4231", "[hash]") {
  struct Case {
    Bytes key;
    Bytes data;
    std::string mac;
  };
  const std::string large_key_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  const std::string large_both_data =
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
      "hashed before being used by the HMAC algorithm.";
  const Case cases[] = {
      {Bytes(20, 0x0b), to_bytes(as_bytes("Hi There")),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {to_bytes(as_bytes("Jefe")), to_bytes(as_bytes("what do ya want for nothing?")),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {Bytes(20, 0xaa), Bytes(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {Bytes(131, 0xaa), to_bytes(as_bytes(large_key_data)),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {Bytes(131, 0xaa), to_bytes(as_bytes(large_both_data)),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) {
    INFO("key size " << c.key.size());
    CHECK(to_hex(hmac(HashAlgorithm::kSha256, c.key, c.data)) == c.mac);
  }
  // Test case 5 publishes only the first 128 bits.
  const Hash256 truncated = hmac(HashAlgorithm::kSha256, Bytes(20, 0x0c), as_bytes("Test With Truncation"));
  CHECK(to_hex(ByteView(truncated.data(), 16)) == "a3b6167473100ee06e0c796c2955552b");
}

TEST_CASE("hash: HMAC-SM3 and HMAC-SHA256 match OpenSSL HMAC on random keys and messages", "[hash]") {
  std::mt19937_64 rng(4231);
  for (int i = 0; i < 300; ++i) {
    // Key sizes cover empty, below, at and above the 64-byte block.
    const std::size_t key_size = i < 130 ? static_cast<std::size_t>(i) : random_size(rng, 300);
    const Bytes key = random_message(rng, key_size);
    const Bytes data = random_message(rng, random_size(rng, 500));
    INFO("key size " << key.size() << " data size " << data.size());
    CHECK(hmac(HashAlgorithm::kSm3, key, data) == openssl_hmac(EVP_sm3(), key, data));
    CHECK(hmac(HashAlgorithm::kSha256, key, data) == openssl_hmac(EVP_sha256(), key, data));
  }
  // Sanity: the MAC depends on the key.
  CHECK(hmac(HashAlgorithm::kSm3, as_bytes("k1"), as_bytes("m")) !=
        hmac(HashAlgorithm::kSm3, as_bytes("k2"), as_bytes("m")));
}

}  // namespace
}  // namespace trestle::crypto
