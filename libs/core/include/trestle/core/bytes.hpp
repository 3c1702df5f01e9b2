#pragma once
// Byte buffers, views and fixed-size byte values (hashes, addresses).

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace trestle {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Views the characters of a string as bytes (no copy; the string must outlive the view).
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline Bytes to_bytes(ByteView view) { return Bytes(view.begin(), view.end()); }

// Appends `tail` to `out`.
inline void append(Bytes& out, ByteView tail) { out.insert(out.end(), tail.begin(), tail.end()); }

// A fixed-size byte array with value semantics, ordering and hashing: Hash256, Address.
template <std::size_t N>
class FixedBytes {
 public:
  static constexpr std::size_t kSize = N;

  constexpr FixedBytes() : data_{} {}
  constexpr explicit FixedBytes(const std::array<std::uint8_t, N>& data) : data_(data) {}

  // Copies exactly N bytes. Precondition: view.size() == N (parse untrusted input with
  // from_view, which checks).
  static FixedBytes copy_of(ByteView view) {
    FixedBytes out;
    std::copy_n(view.begin(), std::min(view.size(), N), out.data_.begin());
    return out;
  }
  // Returns false and leaves `out` untouched when the size is not N.
  static bool from_view(ByteView view, FixedBytes& out) {
    if (view.size() != N) return false;
    std::copy(view.begin(), view.end(), out.data_.begin());
    return true;
  }

  constexpr std::size_t size() const { return N; }
  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t& operator[](std::size_t i) { return data_[i]; }
  const std::uint8_t& operator[](std::size_t i) const { return data_[i]; }
  auto begin() const { return data_.begin(); }
  auto end() const { return data_.end(); }
  auto begin() { return data_.begin(); }
  auto end() { return data_.end(); }
  ByteView view() const { return {data_.data(), N}; }
  operator ByteView() const { return view(); }  // NOLINT: a FixedBytes is a byte sequence
  Bytes to_vector() const { return Bytes(data_.begin(), data_.end()); }
  const std::array<std::uint8_t, N>& array() const { return data_; }
  bool is_zero() const {
    return std::all_of(data_.begin(), data_.end(), [](std::uint8_t b) { return b == 0; });
  }

  friend bool operator==(const FixedBytes&, const FixedBytes&) = default;
  friend auto operator<=>(const FixedBytes&, const FixedBytes&) = default;

 private:
  std::array<std::uint8_t, N> data_;
};

using Hash256 = FixedBytes<32>;
using Address = FixedBytes<20>;

// For unordered containers keyed by hashes: the first 8 bytes of a digest are already uniform.
struct FixedBytesHasher {
  template <std::size_t N>
  std::size_t operator()(const FixedBytes<N>& value) const {
    std::size_t h = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(N, sizeof(std::size_t)); ++i) {
      h = (h << 8) | value[i];
    }
    return h;
  }
};

// Overwrites memory in a way the optimiser may not remove; used to wipe secrets.
void secure_wipe(void* data, std::size_t size);

}  // namespace trestle
