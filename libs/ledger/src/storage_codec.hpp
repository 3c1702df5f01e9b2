#pragma once
// The storage list, how bodies and receipt lists are stored: one item can be found in constant
// time, without reading or decoding the others (a point read of one transaction in a block of
// 10,000 would otherwise skip up to 9,999 length prefixes).
//
//   varint   count                 <= count_max
//   u32      end offset of item i within the item area, for i in [0, count): non-decreasing
//   ...      the items, concatenated; item i is area[end(i-1), end(i)), with end(-1) = 0, and
//            the area ends exactly at end(count - 1)
//
// Offsets are u32: a list is at most 4 GiB (far beyond any block limit; writing one fails).

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/result.hpp"

namespace trestle::ledger::detail {

class StorageListWriter {
 public:
  explicit StorageListWriter(std::size_t count) { ends_.reserve(count); }
  // Room for `bytes` of items, so that adding them does not reallocate.
  void reserve_bytes(std::size_t bytes) { area_.reserve(bytes); }
  void add(ByteView item) {
    append(area_, item);
    ends_.push_back(area_.size());
  }
  // Error: kLimitExceeded when the items exceed 4 GiB in all.
  Result<Bytes> take() {
    if (area_.size() > std::numeric_limits<std::uint32_t>::max()) {
      return over_limit("a stored list is " + std::to_string(area_.size()) + " bytes, limit 4 GiB");
    }
    Writer writer(10 + 4 * ends_.size() + area_.size());
    writer.varint(ends_.size());
    for (std::size_t end : ends_) writer.u32(static_cast<std::uint32_t>(end));
    writer.raw(area_);
    return writer.take();
  }

 private:
  std::vector<std::size_t> ends_;
  Bytes area_;
};

namespace storage_list {

struct Parts {
  std::uint64_t count = 0;
  ByteView ends;  // count big-endian u32s
  ByteView area;
};

inline Result<Parts> parts(ByteView encoded, std::size_t count_max) {
  Reader reader(encoded);
  Parts out;
  TRESTLE_TRY(out.count, reader.count(count_max));
  TRESTLE_TRY(out.ends, reader.raw(static_cast<std::size_t>(out.count) * 4));
  TRESTLE_TRY(out.area, reader.raw(reader.remaining()));
  return out;
}

inline std::uint32_t end_of(const Parts& parts, std::uint64_t index) {
  const std::uint8_t* at = parts.ends.data() + index * 4;
  return (std::uint32_t{at[0]} << 24) | (std::uint32_t{at[1]} << 16) | (std::uint32_t{at[2]} << 8) | at[3];
}

// Item `index` (< parts.count) after checking its bounds.
inline Result<ByteView> item(const Parts& parts, std::uint64_t index, std::size_t item_size_max) {
  const std::uint32_t begin = index == 0 ? 0 : end_of(parts, index - 1);
  const std::uint32_t end = end_of(parts, index);
  if (begin > end || end > parts.area.size()) {
    return invalid("stored list item " + std::to_string(index) + " has offsets [" + std::to_string(begin) + ", " +
                   std::to_string(end) + ") outside its " + std::to_string(parts.area.size()) + " bytes");
  }
  TRESTLE_TRY_STATUS(check_size("stored list item", end - begin, item_size_max));
  return parts.area.subspan(begin, end - begin);
}

}  // namespace storage_list

// All items of a list as views into `encoded`, checking that the offsets tile the item area
// exactly. Errors: kInvalidArgument, kLimitExceeded.
inline Result<std::vector<ByteView>> split_storage_list(ByteView encoded, std::size_t count_max,
                                                        std::size_t item_size_max) {
  TRESTLE_TRY(storage_list::Parts parts, storage_list::parts(encoded, count_max));
  std::vector<ByteView> items;
  items.reserve(static_cast<std::size_t>(parts.count));
  for (std::uint64_t i = 0; i < parts.count; ++i) {
    TRESTLE_TRY(ByteView item, storage_list::item(parts, i, item_size_max));
    items.push_back(item);
  }
  const std::size_t used = parts.count == 0 ? 0 : storage_list::end_of(parts, parts.count - 1);
  if (used != parts.area.size()) {
    return invalid("stored list has " + std::to_string(parts.area.size() - used) + " bytes after its last item");
  }
  return items;
}

// Item `index` of a list, in constant time; the other items are not checked. Errors: kNotFound
// when index >= count; as split_storage_list.
inline Result<ByteView> storage_list_item(ByteView encoded, std::size_t count_max, std::size_t item_size_max,
                                          std::uint64_t index) {
  TRESTLE_TRY(storage_list::Parts parts, storage_list::parts(encoded, count_max));
  if (index >= parts.count) {
    return Error(ErrorCode::kNotFound,
                 "index " + std::to_string(index) + " is past the " + std::to_string(parts.count) + " stored items");
  }
  return storage_list::item(parts, index, item_size_max);
}

}  // namespace trestle::ledger::detail
