#pragma once
// SM4 (GB/T 32907) block function over a precomputed key schedule, and CBC chaining over it
// without padding. cipher.cpp uses it for single blocks and for CBC; CTR and GCM stay on
// Crypto++, whose multi-block SM4 uses AES-NI.
//
// Two implementations, chosen per key schedule (Implementation below):
//
// kAesNi (x86-64 with AES-NI and SSSE3; the default where the CPU has them): constant-time. The
// S-box is computed, not looked up: SM4's and AES's S-boxes are both inversion in GF(2^8) between
// affine maps, so S(x) = post(AES-SubBytes(pre(x))) for two affine maps pre and post. AESENCLAST
// with a zero round key computes SubBytes (its ShiftRows is undone by register shuffles), and pre
// and post are each two PSHUFB lookups of a 16-byte table held in a register, one per nibble:
// register shuffles, not memory loads, so no memory address and no branch depends on the key or
// the data. The linear transform L is folded into three such post tables and byte rotations. The
// key schedule's S-box goes through the same code. Single blocks (and serial CBC encryption) run
// one block at a time; CBC decryption runs eight or four blocks at once, word-sliced across
// the four 32-bit lanes of a register.
//
// kTable (every other CPU, or when a test asks for it): NOT constant-time, like OpenSSL 3.0's
// portable SM4. Rounds 4 to 27 look up four 1 KiB tables (the S-box folded with L, "T-tables"),
// the first and last four rounds and the key schedule look up the 256-byte S-box, all at indices
// that depend on the key and the data: an attacker who shares the CPU cache can learn about the
// key from cache timing.
//
// Both implementations keep the round keys in the schedule object and copy them only into
// registers (and whatever the compiler spills to the stack).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace trestle::crypto::sm4 {

inline constexpr std::size_t kKeySize = 16;
inline constexpr std::size_t kBlockSize = 16;
inline constexpr std::size_t kRounds = 32;

enum class Implementation {
  kTable,  // portable C++, table lookups at secret indices (see above)
  kAesNi,  // x86-64 AES-NI + SSSE3, constant-time
};

// Whether `implementation` can run on this CPU: kTable always, kAesNi on x86-64 CPUs that report
// AES-NI and SSSE3. The answer is computed once and never changes.
bool is_available(Implementation implementation);

// The fastest available implementation that is constant-time when one is available: kAesNi when
// is_available(kAesNi), else kTable.
Implementation default_implementation();

// The 32 round keys of one SM4 key. The destructor wipes them; the type is neither copyable nor
// movable, so no copy of the round keys outlives it. All methods are const and touch no shared
// mutable state: one schedule may serve several threads.
class KeySchedule {
 public:
  // Precondition: is_available(implementation). Tests pass an implementation to check each one;
  // everything else should use the default.
  explicit KeySchedule(std::span<const std::uint8_t, kKeySize> key,
                       Implementation implementation = default_implementation());
  ~KeySchedule();
  KeySchedule(const KeySchedule&) = delete;
  KeySchedule& operator=(const KeySchedule&) = delete;

  // One block. `in` and `out` may be the same buffer.
  void encrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const;
  void decrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const;

  // CBC over whole blocks, no padding. Preconditions: in.size() == out.size(), a multiple of
  // kBlockSize (zero allowed); `in` and `out` are either the same buffer or do not overlap.
  void cbc_encrypt(std::span<const std::uint8_t, kBlockSize> iv, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) const;
  void cbc_decrypt(std::span<const std::uint8_t, kBlockSize> iv, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) const;

  Implementation implementation() const { return implementation_; }

 private:
  std::array<std::uint32_t, kRounds> round_keys_;
  // kAesNi only (zero otherwise): the round keys in the basis its rounds work in.
  std::array<std::uint32_t, kRounds> domain_keys_;
  Implementation implementation_;
};

}  // namespace trestle::crypto::sm4
