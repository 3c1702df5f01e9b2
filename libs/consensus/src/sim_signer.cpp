#include "sim_signer.hpp"

#include "trestle/consensus/rng.hpp"

namespace trestle::consensus::sim {
namespace {

std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

void sip_round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) {
  v0 += v1;
  v1 = rotl(v1, 13);
  v1 ^= v0;
  v0 = rotl(v0, 32);
  v2 += v3;
  v3 = rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = rotl(v1, 17);
  v1 ^= v2;
  v2 = rotl(v2, 32);
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < n; ++i) value |= std::uint64_t{p[i]} << (8 * i);
  return value;
}

void store_le(std::uint64_t value, std::uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, ByteView message) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  std::uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  std::uint64_t v3 = 0x7465646279746573ULL ^ k1;
  const std::size_t full = message.size() / 8 * 8;
  for (std::size_t i = 0; i < full; i += 8) {
    const std::uint64_t m = load_le(message.data() + i, 8);
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  const std::uint64_t last =
      (std::uint64_t{message.size() & 0xff} << 56) | load_le(message.data() + full, message.size() - full);
  v3 ^= last;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

SimKeys::SimKeys(std::uint64_t seed, std::uint32_t node_count) : keys_(node_count) {
  std::uint64_t state = seed ^ 0x5349474e45525321ULL;
  for (auto& key : keys_) {
    for (std::uint64_t& word : key) word = splitmix64(state);
  }
}

Bytes SimKeys::sign(NodeIndex node, ByteView message) const {
  const auto& key = keys_.at(node);
  Bytes signature(kSimSignatureBytes);
  store_le(siphash24(key[0], key[1], message), signature.data());
  store_le(siphash24(key[2], key[3], message), signature.data() + 8);
  return signature;
}

bool SimKeys::verify(NodeIndex node, ByteView message, ByteView signature) const {
  if (node >= keys_.size() || signature.size() != kSimSignatureBytes) return false;
  const Bytes expected = sign(node, message);
  // Not constant time: the keys are simulation secrets, not real ones.
  return std::equal(expected.begin(), expected.end(), signature.begin());
}

}  // namespace trestle::consensus::sim
