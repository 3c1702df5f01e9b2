#include "tables.hpp"

#include <cassert>
#include <memory>

namespace trestle::crypto::sm2fast {

void batch_to_affine(const Jac* in, Aff* out, Fe* scratch, std::size_t count) {
  if (count == 0) return;
  scratch[0] = in[0].z;
  for (std::size_t i = 1; i < count; ++i) fe_mul(scratch[i], scratch[i - 1], in[i].z);
  Fe inv;  // 1 / (z_0 ... z_i) for the current i, walking down
  fe_inv(inv, scratch[count - 1]);
  auto finish = [&](std::size_t i, const Fe& zinv) {
    Fe zinv2, zinv3;
    fe_sqr(zinv2, zinv);
    fe_mul(zinv3, zinv2, zinv);
    fe_mul(out[i].x, in[i].x, zinv2);
    fe_mul(out[i].y, in[i].y, zinv3);
  };
  for (std::size_t i = count - 1; i > 0; --i) {
    Fe zinv;
    fe_mul(zinv, inv, scratch[i - 1]);
    fe_mul(inv, inv, in[i].z);
    finish(i, zinv);
  }
  finish(0, inv);
}

namespace {

std::unique_ptr<const CombTable> build_comb_table() {
  constexpr std::size_t kCount = static_cast<std::size_t>(kCombWindows) * kCombEntries;
  std::vector<Jac> jac(kCount);
  Jac base = jac_from_affine(Aff{kGx, kGy});
  for (int i = 0; i < kCombWindows; ++i) {
    Jac* row = &jac[static_cast<std::size_t>(i) * kCombEntries];
    const JacZ base_z = jacz_from_jac(base);
    row[0] = base;
    for (int j = 1; j < kCombEntries; ++j) jac_add_jacz_var(row[j], row[j - 1], base_z, false);
    jac_double(base, row[kCombEntries - 1]);  // 2 * 2^(kCombBits-1) * base
  }
  auto table = std::make_unique<CombTable>();
  std::vector<Fe> scratch(kCount);
  batch_to_affine(jac.data(), &table->entry[0][0], scratch.data(), kCount);
  return table;
}

}  // namespace

const CombTable& comb_table() {
  static const std::unique_ptr<const CombTable> kTable = build_comb_table();
  return *kTable;
}

ChunkTables build_chunk_tables(const Aff& b, int width) {
  assert(width >= 2 && width <= 12);
  ChunkTables t;
  t.width = width;
  t.per_chunk = std::size_t{1} << (width - 2);
  const std::size_t count = 4 * t.per_chunk;
  std::vector<Jac> jac(count);
  Jac base = jac_from_affine(b);
  for (int c = 0; c < 4; ++c) {
    Jac* row = &jac[static_cast<std::size_t>(c) * t.per_chunk];
    Jac twice;
    jac_double(twice, base);
    const JacZ twice_z = jacz_from_jac(twice);
    row[0] = base;
    for (std::size_t i = 1; i < t.per_chunk; ++i) jac_add_jacz_var(row[i], row[i - 1], twice_z, false);
    if (c < 3) {
      for (int k = 0; k < 64; ++k) jac_double(base, base);
    }
  }
  t.entries.resize(count);
  std::vector<Fe> scratch(count);
  batch_to_affine(jac.data(), t.entries.data(), scratch.data(), count);
  return t;
}

const ChunkTables& g_verify_tables() {
  static const ChunkTables kTables = build_chunk_tables(Aff{kGx, kGy}, kGVerifyWidth);
  return kTables;
}

}  // namespace trestle::crypto::sm2fast
