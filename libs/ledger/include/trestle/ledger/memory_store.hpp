#pragma once
// MemoryStore: a Store in memory, for tests and the consensus simulator. Same checks and contract
// as LmdbStore (the shared test suite runs over both) but nothing survives the object. Every
// state version is kept (a StateView reads the version at its height), so memory grows with the
// history; it is meant for chains of test size.

#include <memory>
#include <string>

#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"
#include "trestle/ledger/store.hpp"

namespace trestle::ledger {

class MemoryStore : public Store {
 public:
  // `suite` must outlive the store (the built-in suites live for the whole program).
  static std::unique_ptr<MemoryStore> create(const crypto::CryptoSuite& suite, std::string chain_id,
                                             const Limits& limits = {});
};

}  // namespace trestle::ledger
