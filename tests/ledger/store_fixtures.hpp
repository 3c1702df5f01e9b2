#pragma once
// The store implementations the shared store tests run over.

#include <memory>

#include "test_util.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/memory_store.hpp"

namespace trestle::ledger::test {

template <crypto::SuiteId kSuite>
struct MemoryFixture {
  static constexpr const char* kName = "memory";
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::get(kSuite);
  std::unique_ptr<Store> store;

  explicit MemoryFixture(const Limits& limits = {}) : store(MemoryStore::create(suite, kChainId, limits)) {}
};

// kHashThreads: LmdbOptions::commit_hash_thread_count, so that the shared tests also run with the
// commit's hashing on worker threads.
template <crypto::SuiteId kSuite, std::size_t kHashThreads = 0>
struct LmdbFixture {
  static constexpr const char* kName = kHashThreads == 0 ? "lmdb" : "lmdb, hashing on workers";
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::get(kSuite);
  TempDir dir;
  std::unique_ptr<Store> store;

  explicit LmdbFixture(const Limits& limits = {}) {
    LmdbOptions options;
    options.suite = &suite;
    options.chain_id = kChainId;
    options.limits = limits;
    // The shared tests are about behaviour, not durability; lmdb_store_test.cpp covers fsync.
    options.sync = false;
    options.map_size_initial_bytes = 1u << 20;
    options.commit_hash_thread_count = kHashThreads;
    auto opened = LmdbStore::open(dir.path() / "ledger", options);
    if (!opened.ok()) throw std::runtime_error(opened.error().message());
    store = std::move(opened).value();
  }
};

}  // namespace trestle::ledger::test
