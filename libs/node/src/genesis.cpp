// The genesis block and the sealer-set commitment, derived from genesis.json alone, so that every
// node of a chain computes the same block 0 without exchanging it.

#include <string>

#include "trestle/core/codec.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/node/node.hpp"

namespace trestle::node {

Hash256 sealer_set_hash(const Genesis& genesis) {
  Writer writer(32 + genesis.sealers.size() * 64);
  writer.raw(as_bytes("trestle/sealers/v1")).varint(genesis.sealers.size());
  for (const auto& key : genesis.sealers) writer.raw(ByteView(key.xy()));
  return genesis_suite(genesis).hash(writer.take());
}

Result<GenesisBlock> make_genesis_block(const Genesis& genesis, const Application& app) {
  if (app.name() != genesis.application) {
    return Error(ErrorCode::kInvalidArgument, "genesis: application is \"" + genesis.application +
                                                  "\" but the node runs \"" + std::string(app.name()) + "\"");
  }
  const crypto::CryptoSuite& suite = genesis_suite(genesis);
  GenesisBlock out;
  TRESTLE_TRY(out.writes, app.genesis_state(genesis.application_state_json));
  ledger::BlockHeader& header = out.block.header;
  header.height = 0;
  header.timestamp_ms = genesis.timestamp_ms;
  header.proposer_index = 0;
  header.tx_count = 0;
  header.tx_root = ledger::transaction_root(suite, {});
  header.receipt_root = ledger::receipt_root(suite, {});
  header.state_root = ledger::next_state_root(suite, Hash256{}, out.writes);
  header.sealer_set_hash = sealer_set_hash(genesis);
  return out;
}

}  // namespace trestle::node
