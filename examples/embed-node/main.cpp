// notary-node: a chain of four nodes in this process running the notary application.
//
//   notary-node [--dir DIR] DOCUMENT...
//
// Each DOCUMENT (a file, or else the text itself) is hashed and notarized by one transaction;
// once the chain has committed them, the program asks every node who notarized what, and shows
// that a second notarization of a document is refused. Exit code 0 when all of that holds.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "notary_app.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/node/local_chain.hpp"

namespace {

using trestle::Hash256;

int fail(const std::string& message) {
  std::cerr << "notary-node: " << message << "\n";
  return 1;
}

// The bytes of a file, or the argument itself when it names no file.
std::string document_bytes(const std::string& argument) {
  std::ifstream in(argument, std::ios::binary);
  if (!in) return argument;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("notary-node-" + std::to_string(::getpid()));
  std::vector<std::string> documents;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      documents.push_back(arg);
    }
  }
  if (documents.empty()) return fail("usage: notary-node [--dir DIR] DOCUMENT...");

  // 1. A chain whose nodes run the notary (quietly: the nodes log every connection and block).
  (void)trestle::node::set_log_level("warn");
  trestle::node::LocalChainOptions options;
  options.nodes = 4;
  options.suite = "sm";
  options.application = "notary";
  options.make_application = [] { return std::make_unique<notary::NotaryApp>(); };
  options.dir = dir;
  auto chain = trestle::node::LocalChain::create(options);
  if (!chain.ok()) return fail(chain.error().message());
  if (auto started = chain.value()->start_all(); !started.ok()) return fail(started.error().message());
  trestle::node::LocalChain& nodes = *chain.value();
  const trestle::crypto::CryptoSuite& suite = nodes.suite();

  // 2. One notarization per document, signed by a fresh key and sent to node 0.
  auto key = suite.generate_key();
  if (!key.ok()) return fail(key.error().message());
  auto notarize = [&](const Hash256& document) -> trestle::Result<trestle::ledger::Transaction> {
    trestle::ledger::Transaction tx;
    tx.chain_id = nodes.genesis().chain_id;
    tx.group_id = nodes.genesis().group_id;
    TRESTLE_TRY(tx.nonce, trestle::crypto::random_bytes(16));
    tx.block_limit = nodes.max_height() + 100;
    tx.payload = trestle::to_bytes(document.view());
    TRESTLE_TRY_STATUS(tx.sign(suite, key.value()));
    return tx;
  };
  std::vector<Hash256> hashes;
  std::vector<Hash256> tx_hashes;
  for (const std::string& document : documents) {
    hashes.push_back(suite.hash(trestle::as_bytes(document_bytes(document))));
    auto tx = notarize(hashes.back());
    if (!tx.ok()) return fail(tx.error().message());
    auto sent = nodes.node(0).submit_transaction(tx.value().encode());
    if (!sent.ok()) return fail("notarizing " + document + ": " + sent.error().message());
    tx_hashes.push_back(sent.value());
    std::cout << "sent    " << trestle::to_hex(hashes.back()) << "  " << document << "\n";
  }

  // 3. Wait until every node has committed every notarization.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto all_committed = [&] {
    for (std::uint32_t n = 0; n < nodes.size(); ++n) {
      for (const Hash256& tx_hash : tx_hashes) {
        if (!nodes.node(n).store().locate_transaction(tx_hash).ok()) return false;
      }
    }
    return true;
  };
  while (!all_committed()) {
    if (std::chrono::steady_clock::now() > deadline) return fail("the notarizations did not commit in 30 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // 4. Queries: every node answers the same.
  const std::string notarizer = trestle::to_hex(suite.address(key.value().public_key()));
  for (std::uint32_t n = 0; n < nodes.size(); ++n) {
    auto state = nodes.node(n).store().state_view();
    if (!state.ok()) return fail(state.error().message());
    for (std::size_t d = 0; d < hashes.size(); ++d) {
      auto record = notary::lookup(*state.value(), hashes[d]);
      if (!record.ok()) return fail(record.error().message());
      if (!record.value()) return fail("node " + std::to_string(n) + " has no record of " + documents[d]);
      if (trestle::to_hex(record.value()->notarizer) != notarizer) return fail("wrong notarizer");
      if (n == 0) {
        std::cout << "node 0: " << documents[d] << " notarized by " << notarizer << " in block "
                  << record.value()->height << "\n";
      }
    }
  }
  std::cout << "all " << nodes.size() << " nodes agree on " << hashes.size() << " records\n";

  // 5. The notary refuses a second notarization of the same document.
  auto again = notarize(hashes.front());
  if (!again.ok()) return fail(again.error().message());
  auto refused = nodes.node(1).submit_transaction(again.value().encode());
  if (refused.ok()) return fail("a second notarization was accepted");
  std::cout << "second notarization of " << documents.front() << ": refused (" << refused.error().message() << ")\n";
  return 0;
}
