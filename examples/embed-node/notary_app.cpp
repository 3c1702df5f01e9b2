#include "notary_app.hpp"

#include "trestle/core/codec.hpp"

namespace notary {
namespace {

using trestle::Bytes;
using trestle::Error;
using trestle::ErrorCode;

trestle::ledger::Receipt receipt_for(const trestle::node::VerifiedTransaction& tx, std::uint64_t height,
                                     std::uint32_t status, std::string_view message) {
  trestle::ledger::Receipt receipt;
  receipt.tx_hash = tx.hash;
  receipt.status = status;
  receipt.output = trestle::to_bytes(trestle::as_bytes(message));
  receipt.height = height;
  return receipt;
}

}  // namespace

trestle::Result<trestle::ledger::WriteSet> NotaryApp::genesis_state(std::string_view application_state_json) const {
  if (!application_state_json.empty()) {
    return Error(ErrorCode::kInvalidArgument, "application_state: the notary starts empty");
  }
  return trestle::ledger::WriteSet{};
}

trestle::Status NotaryApp::check_tx(const trestle::node::VerifiedTransaction& tx,
                                    const trestle::ledger::StateView& state) const {
  const Bytes& payload = tx.transaction->payload;
  if (payload.size() != trestle::Hash256::kSize) {
    return Error(ErrorCode::kInvalidArgument, "a notarization's payload is the 32-byte document hash");
  }
  TRESTLE_TRY(auto record, lookup(state, trestle::Hash256::copy_of(payload)));
  if (record) return Error(ErrorCode::kInvalidArgument, "document already notarized");
  return {};
}

trestle::Result<trestle::node::Execution> NotaryApp::execute(const trestle::node::BlockContext& context,
                                                             std::span<const trestle::node::VerifiedTransaction> txs,
                                                             const trestle::ledger::StateView& state) const {
  trestle::node::Execution out;
  for (const auto& tx : txs) {
    const Bytes& payload = tx.transaction->payload;
    if (payload.size() != trestle::Hash256::kSize) {
      out.receipts.push_back(receipt_for(tx, context.height, kStatusMalformed, "payload is not a 32-byte hash"));
      continue;
    }
    // Read this block's own writes first: two notarizations of one document in one block.
    const bool earlier_in_block = out.writes.find(kTable, payload) != nullptr;
    TRESTLE_TRY(auto stored, state.get(kTable, payload));
    if (earlier_in_block || stored) {
      out.receipts.push_back(receipt_for(tx, context.height, kStatusAlreadyNotarized, "already notarized"));
      continue;
    }
    trestle::Writer record;
    record.fixed(tx.sender).u64(context.height).u64(context.timestamp_ms);
    out.writes.put(kTable, payload, record.data());
    out.receipts.push_back(receipt_for(tx, context.height, trestle::ledger::Receipt::kStatusSuccess, ""));
  }
  return out;
}

trestle::Result<std::optional<Record>> lookup(const trestle::ledger::StateView& state,
                                              const trestle::Hash256& document) {
  TRESTLE_TRY(auto stored, state.get(kTable, document.view()));
  if (!stored) return std::optional<Record>();
  trestle::Reader reader(*stored);
  Record record;
  TRESTLE_TRY(record.notarizer, reader.fixed<trestle::Address::kSize>());
  TRESTLE_TRY(record.height, reader.u64());
  TRESTLE_TRY(record.timestamp_ms, reader.u64());
  TRESTLE_TRY_STATUS(reader.finish());
  return std::optional<Record>(record);
}

}  // namespace notary
