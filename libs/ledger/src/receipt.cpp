#include "trestle/ledger/receipt.hpp"

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"

namespace trestle::ledger {

using detail::check_count;
using detail::check_size;
using detail::in_context;

Bytes Receipt::encode() const {
  std::size_t reserve = 64 + output.size();
  for (const auto& log : logs) reserve += 32 + log.topics.size() * 32 + log.data.size();
  Writer writer(reserve);
  writer.u8(kVersion).fixed(tx_hash).u32(status).bytes(output).varint(logs.size());
  for (const auto& log : logs) {
    writer.fixed(log.address).varint(log.topics.size());
    for (const auto& topic : log.topics) writer.fixed(topic);
    writer.bytes(log.data);
  }
  writer.u64(height);
  return writer.take();
}

Status Receipt::validate(const Limits& limits) const {
  TRESTLE_TRY_STATUS(check_size("receipt output", output.size(), limits.receipt_output_max_bytes));
  TRESTLE_TRY_STATUS(check_count("receipt log", logs.size(), limits.receipt_log_count_max));
  for (const auto& log : logs) {
    TRESTLE_TRY_STATUS(check_count("receipt log topic", log.topics.size(), limits.log_topic_count_max));
    TRESTLE_TRY_STATUS(check_size("receipt log data", log.data.size(), limits.log_data_max_bytes));
  }
  return ok_status();
}

Result<Receipt> Receipt::decode(ByteView encoded, const Limits& limits) {
  Reader reader(encoded);
  TRESTLE_TRY_STATUS(detail::read_version(reader, kVersion, "receipt"));
  Receipt receipt;
  TRESTLE_TRY(receipt.tx_hash, in_context(reader.fixed<Hash256::kSize>(), "receipt tx hash"));
  TRESTLE_TRY(receipt.status, in_context(reader.u32(), "receipt status"));
  TRESTLE_TRY(receipt.output, in_context(reader.bytes(limits.receipt_output_max_bytes), "receipt output"));
  TRESTLE_TRY(std::uint64_t log_count, in_context(reader.count(limits.receipt_log_count_max), "receipt logs"));
  receipt.logs.resize(static_cast<std::size_t>(log_count));
  for (auto& log : receipt.logs) {
    TRESTLE_TRY(log.address, in_context(reader.fixed<Address::kSize>(), "receipt log address"));
    TRESTLE_TRY(std::uint64_t topic_count, in_context(reader.count(limits.log_topic_count_max), "receipt log topics"));
    log.topics.resize(static_cast<std::size_t>(topic_count));
    for (auto& topic : log.topics) {
      TRESTLE_TRY(topic, in_context(reader.fixed<Hash256::kSize>(), "receipt log topic"));
    }
    TRESTLE_TRY(log.data, in_context(reader.bytes(limits.log_data_max_bytes), "receipt log data"));
  }
  TRESTLE_TRY(receipt.height, in_context(reader.u64(), "receipt height"));
  TRESTLE_TRY_STATUS(in_context(reader.finish(), "receipt"));
  return receipt;
}

Hash256 Receipt::hash(const crypto::CryptoSuite& suite) const { return suite.hash(encode()); }

}  // namespace trestle::ledger
