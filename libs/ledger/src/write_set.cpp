#include "trestle/ledger/write_set.hpp"

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"

namespace trestle::ledger {

using detail::check_size;
using detail::in_context;
using detail::invalid;

namespace {

constexpr std::uint8_t kErase = 0;
constexpr std::uint8_t kPut = 1;

StateKey make_key(std::string_view table, ByteView key) { return StateKey{std::string(table), to_bytes(key)}; }

Status check_entry(const StateKey& key, const std::optional<Bytes>& value, const Limits& limits) {
  if (key.table.empty()) return invalid("write set: empty table name");
  TRESTLE_TRY_STATUS(check_size("write set table name", key.table.size(), limits.state_table_name_max_bytes));
  TRESTLE_TRY_STATUS(check_size("write set key", key.key.size(), limits.state_key_max_bytes));
  if (value) TRESTLE_TRY_STATUS(check_size("write set value", value->size(), limits.state_value_max_bytes));
  return ok_status();
}

}  // namespace

void WriteSet::put(std::string_view table, ByteView key, ByteView value) {
  entries_.insert_or_assign(make_key(table, key), to_bytes(value));
}

void WriteSet::erase(std::string_view table, ByteView key) {
  entries_.insert_or_assign(make_key(table, key), std::nullopt);
}

const std::optional<Bytes>* WriteSet::find(std::string_view table, ByteView key) const {
  auto it = entries_.find(make_key(table, key));
  return it == entries_.end() ? nullptr : &it->second;
}

Bytes WriteSet::encode() const {
  Writer writer;
  writer.varint(entries_.size());
  for (const auto& [key, value] : entries_) {
    writer.string(key.table).bytes(key.key);
    if (value) {
      writer.u8(kPut).bytes(*value);
    } else {
      writer.u8(kErase);
    }
  }
  return writer.take();
}

Status WriteSet::validate(const Limits& limits) const {
  TRESTLE_TRY_STATUS(detail::check_count("write set entry", entries_.size(), limits.write_set_entry_count_max));
  for (const auto& [key, value] : entries_) TRESTLE_TRY_STATUS(check_entry(key, value, limits));
  return ok_status();
}

Result<WriteSet> WriteSet::decode(ByteView encoded, const Limits& limits) {
  Reader reader(encoded);
  TRESTLE_TRY(std::uint64_t count, in_context(reader.count(limits.write_set_entry_count_max), "write set"));
  WriteSet out;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string what = "write set entry " + std::to_string(i);
    StateKey key;
    TRESTLE_TRY(key.table, in_context(reader.string(limits.state_table_name_max_bytes), what));
    TRESTLE_TRY(key.key, in_context(reader.bytes(limits.state_key_max_bytes), what));
    TRESTLE_TRY(std::uint8_t kind, in_context(reader.u8(), what));
    std::optional<Bytes> value;
    if (kind == kPut) {
      TRESTLE_TRY(value, in_context(reader.bytes(limits.state_value_max_bytes), what));
    } else if (kind != kErase) {
      return invalid(what + ": kind " + std::to_string(kind) + ", expected 0 (erase) or 1 (put)");
    }
    TRESTLE_TRY_STATUS(in_context(check_entry(key, value, limits), what));
    if (!out.entries_.empty() && !(out.entries_.rbegin()->first < key)) {
      return invalid(what + ": entries must be in strictly increasing (table, key) order");
    }
    out.entries_.emplace_hint(out.entries_.end(), std::move(key), std::move(value));
  }
  TRESTLE_TRY_STATUS(in_context(reader.finish(), "write set"));
  return out;
}

Hash256 next_state_root(const crypto::CryptoSuite& suite, const Hash256& previous_root, const WriteSet& writes) {
  const Hash256 digest = suite.hash(writes.encode());
  return suite.hasher().update(previous_root).update(digest).finish();
}

}  // namespace trestle::ledger
