#pragma once
// The storage list: varint count, then each item as varint length + bytes. Bodies and receipt
// lists are stored this way so that one item can be found by skipping lengths, without decoding
// the others.

#include <cstdint>
#include <string>
#include <vector>

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/result.hpp"

namespace trestle::ledger::detail {

class StorageListWriter {
 public:
  explicit StorageListWriter(std::size_t count, std::size_t reserve_bytes = 0) : writer_(reserve_bytes + 10) {
    writer_.varint(count);
  }
  void add(ByteView item) { writer_.bytes(item); }
  Bytes take() { return writer_.take(); }

 private:
  Writer writer_;
};

// All items of a list as views into `encoded`. Errors: kInvalidArgument, kLimitExceeded.
inline Result<std::vector<ByteView>> split_storage_list(ByteView encoded, std::size_t count_max,
                                                        std::size_t item_size_max) {
  Reader reader(encoded);
  TRESTLE_TRY(std::uint64_t count, reader.count(count_max));
  std::vector<ByteView> items;
  items.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    TRESTLE_TRY(ByteView item, read_sized(reader, item_size_max));
    items.push_back(item);
  }
  TRESTLE_TRY_STATUS(reader.finish());
  return items;
}

// Item `index` of a list. Errors: kNotFound when index >= count; as split_storage_list.
inline Result<ByteView> storage_list_item(ByteView encoded, std::size_t count_max, std::size_t item_size_max,
                                          std::uint64_t index) {
  Reader reader(encoded);
  TRESTLE_TRY(std::uint64_t count, reader.count(count_max));
  if (index >= count) {
    return Error(ErrorCode::kNotFound,
                 "index " + std::to_string(index) + " is past the " + std::to_string(count) + " stored items");
  }
  for (std::uint64_t i = 0;; ++i) {
    TRESTLE_TRY(ByteView item, read_sized(reader, item_size_max));
    if (i == index) return item;
  }
}

}  // namespace trestle::ledger::detail
