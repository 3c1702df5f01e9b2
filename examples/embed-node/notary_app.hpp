#pragma once
// A notary: a transaction whose payload is the 32-byte hash of a document records, once, who
// notarized it and when. Anyone can then ask whether a document was notarized, by whom and in
// which block. The whole application is this header and notary_app.cpp.

#include <cstdint>
#include <optional>

#include "trestle/node/application.hpp"

namespace notary {

// State table: document hash (32 bytes) -> notarizer address (20) || height (u64) || time (u64).
inline constexpr std::string_view kTable = "notary";
// Receipt status of a second notarization of the same document, and of a malformed payload.
inline constexpr std::uint32_t kStatusAlreadyNotarized = 1;
inline constexpr std::uint32_t kStatusMalformed = 2;

struct Record {
  trestle::Address notarizer;
  std::uint64_t height = 0;
  std::uint64_t timestamp_ms = 0;
};

class NotaryApp final : public trestle::node::Application {
 public:
  std::string_view name() const override { return "notary"; }
  trestle::Result<trestle::ledger::WriteSet> genesis_state(std::string_view application_state_json) const override;
  trestle::Status check_tx(const trestle::node::VerifiedTransaction& tx,
                           const trestle::ledger::StateView& state) const override;
  trestle::Result<trestle::node::Execution> execute(const trestle::node::BlockContext& context,
                                                    std::span<const trestle::node::VerifiedTransaction> txs,
                                                    const trestle::ledger::StateView& state) const override;
};

// The query side: the record of a document, nullopt if it was never notarized.
trestle::Result<std::optional<Record>> lookup(const trestle::ledger::StateView& state,
                                              const trestle::Hash256& document);

}  // namespace notary
