// The JSON-RPC server: every method and error code through RpcServer::handle over a fake node with
// a real in-memory ledger, and the metrics text. rpc_http_test.cpp covers the HTTP server.

#include "rpc_fixture.hpp"

namespace trestle::node::rpc_test {
namespace {

TEST_CASE("rpc: blocks by number and by hash", "[node][rpc]") {
  Chain chain;
  CHECK(result(chain.api, "getBlockNumber") == 2);

  const json block = result(chain.api, "getBlockByNumber", {1});
  CHECK(block["height"] == 1);
  CHECK(block["hash"] == chain.block_hash(1));
  CHECK(block["parent_hash"] == chain.block_hash(0));
  CHECK(block["tx_count"] == 3);
  CHECK(block["certificate"].size() == 2);
  REQUIRE(block["transactions"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(block["transactions"][i] == chain.tx_hash(1, i));

  const json full = result(chain.api, "getBlockByNumber", {1, true});
  REQUIRE(full["transactions"].size() == 3);
  CHECK(full["transactions"][2]["hash"] == chain.tx_hash(1, 2));
  CHECK(full["transactions"][2]["signature_valid"] == true);
  CHECK(full["transactions"][2]["chain_id"] == kChainId);

  CHECK(result(chain.api, "getBlockByNumber", {3}).is_null());
  CHECK(result(chain.api, "getBlockByNumber", {1, false}) == block);

  CHECK(result(chain.api, "getBlockByHash", {chain.block_hash(2)})["height"] == 2);
  std::string upper = chain.block_hash(2);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(result(chain.api, "getBlockByHash", {"0X" + upper, true})["transactions"][1]["hash"] == chain.tx_hash(2, 1));
  CHECK(result(chain.api, "getBlockByHash", {std::string(64, 'a')}).is_null());
}

TEST_CASE("rpc: transactions, receipts and pending transactions", "[node][rpc]") {
  Chain chain;
  const json tx = result(chain.api, "getTransaction", {chain.tx_hash(1, 2)});
  CHECK(tx["hash"] == chain.tx_hash(1, 2));
  CHECK(tx["height"] == 1);
  CHECK(tx["index"] == 2);
  CHECK(tx["signature_valid"] == true);
  CHECK(tx["payload"] == to_hex(chain.blocks[1][2].payload));

  const json receipt = result(chain.api, "getTransactionReceipt", {"0x" + chain.tx_hash(2, 0)});
  CHECK(receipt["tx_hash"] == chain.tx_hash(2, 0));
  CHECK(receipt["height"] == 2);
  CHECK(receipt["status"] == 0);
  CHECK(receipt["logs"][0]["data"] == "0708");

  // Submitted, not committed: pending with a null location, no receipt yet.
  const auto fresh = signed_tx(chain.suite, 2, 99);
  const json hash = result(chain.api, "sendTransaction", {to_hex(fresh.encode())});
  CHECK(hash == to_hex(fresh.hash(chain.suite)));
  const json pending = result(chain.api, "getTransaction", {hash});
  CHECK(pending["hash"] == hash);
  CHECK(pending["signature_valid"] == true);
  CHECK(pending["height"].is_null());
  CHECK(pending["index"].is_null());
  CHECK(result(chain.api, "getTransactionReceipt", {hash}).is_null());

  const std::string unknown(64, '0');
  CHECK(result(chain.api, "getTransaction", {unknown}).is_null());
  CHECK(result(chain.api, "getTransactionReceipt", {unknown}).is_null());
}

TEST_CASE("rpc: inclusion proofs verify against the header", "[node][rpc]") {
  Chain chain;
  const auto& limits = chain.api.store().limits();
  for (const char* method : {"getTransactionProof", "getReceiptProof"}) {
    const json proof = result(chain.api, method, {chain.tx_hash(1, 1)});
    const auto header = ledger::BlockHeader::decode(from_hex(proof["header"].get<std::string>()).value(), limits);
    const auto tx = Transaction::decode(from_hex(proof["transaction"].get<std::string>()).value(), limits);
    const auto receipt = ledger::Receipt::decode(from_hex(proof["receipt"].get<std::string>()).value(), limits);
    const auto tx_proof =
        ledger::MerkleProof::decode(from_hex(proof["transaction_proof"].get<std::string>()).value(), limits);
    const auto receipt_proof =
        ledger::MerkleProof::decode(from_hex(proof["receipt_proof"].get<std::string>()).value(), limits);
    REQUIRE((header.ok() && tx.ok() && receipt.ok() && tx_proof.ok() && receipt_proof.ok()));
    CHECK(header.value().height == 1);
    CHECK(tx.value() == chain.blocks[1][1]);
    CHECK(to_hex(receipt.value().tx_hash) == chain.tx_hash(1, 1));
    CHECK(tx_proof.value().leaf_index == 1);
    CHECK(ledger::verify_transaction_inclusion(chain.suite, header.value(), tx.value(), tx_proof.value()));
    CHECK(ledger::verify_receipt_inclusion(chain.suite, header.value(), receipt.value(), receipt_proof.value()));
  }
  const json missing = error(chain.api, "getTransactionProof", {std::string(64, 'b')});
  CHECK(missing["code"] == -32004);
  CHECK(missing["message"].get<std::string>().find(std::string(64, 'b')) != std::string::npos);
  CHECK(error(chain.api, "getReceiptProof", {std::string(64, 'b')})["code"] == -32004);
}

TEST_CASE("rpc: state, sealers, peers, sync status and node info", "[node][rpc]") {
  Chain chain;
  CHECK(result(chain.api, "getState", {"accounts", to_hex(as_bytes("alice"))}) == to_hex(as_bytes("100")));
  CHECK(result(chain.api, "getState", {"accounts", "0x" + to_hex(as_bytes("bob"))}).is_null());
  CHECK(result(chain.api, "getState", {"other", "00"}).is_null());

  const json sealers = result(chain.api, "getSealers");
  REQUIRE(sealers.size() == 2);
  const auto key = test_key(chain.suite, 2);
  CHECK(sealers[1]["index"] == 1);
  CHECK(sealers[1]["public_key"] == to_hex(key.public_key().xy()));
  CHECK(sealers[1]["address"] == to_hex(chain.suite.address(key.public_key())));
  CHECK(sealers[1]["node_id"] == to_hex(network::node_id_of(chain.suite, key.public_key())));

  const json peers = result(chain.api, "getPeers");
  REQUIRE(peers.size() == 2);
  for (const char* field : {"index", "node_id", "connected", "outbound", "remote_endpoint", "bytes_sent",
                            "bytes_received", "frames_sent", "frames_received", "frames_dropped", "connects",
                            "reconnects", "disconnects", "queued_bytes", "queued_frames"}) {
    CHECK(peers[0].contains(field));
  }
  CHECK(peers[0].size() == 15);
  CHECK(peers[0]["index"] == 2);
  CHECK(peers[0]["remote_endpoint"] == "127.0.0.1:30302");
  CHECK(peers[0]["bytes_received"] == 2000);
  CHECK(peers[0]["node_id"].get<std::string>().substr(0, 2) == "22");
  CHECK(peers[1]["connected"] == false);

  CHECK(result(chain.api, "getSyncStatus") ==
        json{{"syncing", true}, {"height", 2}, {"highest_height", 9}, {"blocks_synced", 5}});

  const json info = result(chain.api, "getNodeInfo");
  CHECK(info.size() == 12);
  CHECK(info["consensus_failed"] == false);
  CHECK(info["version"] == "0.1.0");
  CHECK(info["suite"] == "sm");
  CHECK(info["consensus"] == "pbft");
  CHECK(info["application"] == "kv");
  CHECK(info["node_index"] == 1);
  CHECK(info["sealer_count"] == 4);
  CHECK(info["uptime_ms"] == 1234);
  CHECK(info["height"] == 2);
  CHECK(info["node_id"].get<std::string>().size() == 64);
}

TEST_CASE("rpc: the pool's refusals are -32010 with the status", "[node][rpc]") {
  Chain chain;
  auto bad_signature = signed_tx(chain.suite, 1, 500);
  bad_signature.signature[5] ^= 0x01;
  json refused = error(chain.api, "sendTransaction", {to_hex(bad_signature.encode())});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "auth_failed");

  refused = error(chain.api, "sendTransaction", {"01ff"});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "invalid_argument");
  CHECK(refused["message"].get<std::string>().find("transaction") != std::string::npos);

  chain.api.pool_full = true;
  refused = error(chain.api, "sendTransaction", {to_hex(signed_tx(chain.suite, 1, 501).encode())});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "limit_exceeded");
  CHECK(refused["message"] == "the pool holds 10 transactions, its limit");
}

TEST_CASE("rpc: invalid params name the param", "[node][rpc]") {
  Chain chain;
  const auto invalid = [&](const std::string& method, json params, const std::string& says) {
    const json failure = error(chain.api, method, std::move(params));
    CHECK(failure["code"] == -32602);
    CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains(says));
  };
  invalid("getTransaction", json::array(), "params[0]: missing");
  invalid("getTransaction", {42}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {"abcd"}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {std::string(63, 'a') + "g"}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {std::string(64, 'a'), 1}, "at most 1 params, got 2");
  invalid("getTransactionReceipt", {nullptr}, "params[0]");
  invalid("getTransactionProof", {"0x12"}, "params[0]");
  invalid("getBlockByNumber", {-1}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {"1"}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {1.5}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {1, "yes"}, "params[1]: expected true or false");
  invalid("getBlockByNumber", {1, true, 3}, "at most 2 params");
  invalid("getBlockByHash", {"xyz"}, "params[0]");
  invalid("getBlockNumber", {1}, "at most 0 params");
  invalid("getPeers", {1}, "at most 0 params");
  invalid("getState", {"accounts"}, "params[1]: missing");
  invalid("getState", {"", "00"}, "params[0]: a table name has 1..64 bytes");
  invalid("getState", {7, "00"}, "params[0]");
  invalid("getState", {"accounts", "0g"}, "params[1]");
  invalid("getState", {"accounts", ""}, "params[1]");
  invalid("sendTransaction", json::array(), "params[0]: missing");
  invalid("sendTransaction", {"abc"}, "params[0]");
  invalid("sendTransaction", {true}, "params[0]");
}

TEST_CASE("rpc: malformed requests get the JSON-RPC error codes", "[node][rpc]") {
  Chain chain;
  json answer = raw(chain.api, "{\"jsonrpc\": \"2.0\", \"id\": 1, ");
  CHECK(answer["error"]["code"] == -32700);
  CHECK(answer["id"].is_null());
  CHECK(raw(chain.api, "")["error"]["code"] == -32700);
  CHECK(raw(chain.api, "\xff\xfe garbage")["error"]["code"] == -32700);

  answer = raw(chain.api, R"({"jsonrpc":"1.0","id":"x","method":"getBlockNumber","params":[]})");
  CHECK(answer["error"]["code"] == -32600);
  CHECK(answer["id"] == "x");
  CHECK(raw(chain.api, R"({"id":1,"method":"getBlockNumber"})")["error"]["code"] == -32600);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":1,"method":5})")["error"]["code"] == -32600);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":{}})")["error"]["code"] == -32600);
  answer = raw(chain.api, R"({"jsonrpc":"2.0","id":{"a":1},"method":"getBlockNumber"})");
  CHECK(answer["error"]["code"] == -32600);
  CHECK(answer["id"].is_null());
  CHECK(raw(chain.api, "42")["error"]["code"] == -32600);
  CHECK(raw(chain.api, "\"text\"")["error"]["code"] == -32600);

  // Omitted params are []; ids of every allowed type come back unchanged.
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":7,"method":"getBlockNumber"})")["result"] == 2);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":null,"method":"getBlockNumber"})")["id"].is_null());
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":"abc","method":"getBlockNumber"})")["id"] == "abc");

  answer = raw(chain.api, request("eth_blockNumber", json::array()).dump());
  CHECK(answer["error"]["code"] == -32601);
  CHECK(answer["error"]["message"] == "method not found: eth_blockNumber");
  // A long unknown name is cut in the message.
  answer = raw(chain.api, request(std::string(10'000, 'm'), json::array()).dump());
  CHECK(answer["error"]["message"].get<std::string>().size() < 200);
  // JSON is UTF-8: other bytes in a string are a parse error.
  answer = raw(chain.api, std::string(R"({"jsonrpc":"2.0","id":1,"method":"bad)") + "\xc3\x28" + "\"}");
  CHECK(answer["error"]["code"] == -32700);
}

TEST_CASE("rpc: strings that are not UTF-8 in the ledger are answered", "[node][rpc]") {
  Chain chain;
  // The ledger stores chain and group ids as bytes; the answer replaces what is not UTF-8.
  auto tx = signed_tx(chain.suite, 1, 900);
  tx.group_id = "g\xc3\x28";
  REQUIRE(tx.sign(chain.suite, test_key(chain.suite, 1)).ok());
  commit_block(chain.api.mutable_store(), chain.suite, {tx}, {});
  const json block = result(chain.api, "getBlockByNumber", {3, true});
  CHECK(block["transactions"][0]["hash"] == to_hex(tx.hash(chain.suite)));
  CHECK(block["transactions"][0]["group_id"] == "g\xef\xbf\xbd(");
}

TEST_CASE("rpc: notifications and batches", "[node][rpc]") {
  Chain chain;
  // A notification runs but is not answered.
  const auto fresh = signed_tx(chain.suite, 3, 1);
  json note = request("sendTransaction", {to_hex(fresh.encode())});
  note.erase("id");
  CHECK(RpcServer::handle(chain.api, note.dump()).empty());
  CHECK(chain.api.pending_transaction(fresh.hash(chain.suite)).has_value());

  json answer = raw(chain.api, "[]");
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32600);

  const json batch = {request("getBlockNumber", json::array(), 1),
                      {{"jsonrpc", "2.0"}, {"method", "getBlockNumber"}},
                      5,
                      request("nope", json::array(), "b"),
                      request("getBlockByNumber", {"x"}, 3)};
  answer = raw(chain.api, batch.dump());
  REQUIRE(answer.is_array());
  REQUIRE(answer.size() == 4);
  CHECK(answer[0]["id"] == 1);
  CHECK(answer[0]["result"] == 2);
  CHECK(answer[1]["id"].is_null());
  CHECK(answer[1]["error"]["code"] == -32600);
  CHECK(answer[2]["id"] == "b");
  CHECK(answer[2]["error"]["code"] == -32601);
  CHECK(answer[3]["id"] == 3);
  CHECK(answer[3]["error"]["code"] == -32602);

  CHECK(RpcServer::handle(chain.api, json::array({note, note}).dump()).empty());

  answer = raw(chain.api,
               json::array({request("getBlockNumber", json::array()), request("getPeers", json::array()),
                            request("getSealers", json::array())})
                   .dump(),
               2);
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32600);
  CHECK_THAT(answer["error"]["message"].get<std::string>(), Catch::Contains("limit of 2"));
}

TEST_CASE("rpc: failures inside the node are -32603", "[node][rpc]") {
  Chain chain;
  chain.api.throw_from_info = true;
  json failure = error(chain.api, "getNodeInfo", json::array());
  CHECK(failure["code"] == -32603);
  CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains("info exploded"));

  chain.api.fail_store();
  for (const auto& [method, params] :
       std::vector<std::pair<std::string, json>>{{"getBlockByNumber", {1}},
                                                 {"getBlockByHash", {std::string(64, 'a')}},
                                                 {"getTransaction", {std::string(64, 'a')}},
                                                 {"getTransactionReceipt", {std::string(64, 'a')}},
                                                 {"getTransactionProof", {std::string(64, 'a')}},
                                                 {"getState", {"accounts", "00"}}}) {
    failure = error(chain.api, method, params);
    CHECK(failure["code"] == -32603);
    CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains("disk failing"));
  }
  CHECK(result(chain.api, "getBlockNumber") == 5);
}

TEST_CASE("rpc: metrics text has every series", "[node][rpc]") {
  Chain chain;
  const std::string text = RpcServer::metrics_text(chain.api);
  const std::map<std::string, std::string> series = {{"trestle_block_height", "gauge"},
                                                     {"trestle_txs_committed_total", "counter"},
                                                     {"trestle_blocks_committed_total", "counter"},
                                                     {"trestle_txpool_size", "gauge"},
                                                     {"trestle_txs_submitted_total", "counter"},
                                                     {"trestle_txs_rejected_total", "counter"},
                                                     {"trestle_consensus_view_changes_total", "counter"},
                                                     {"trestle_consensus_dropped_messages_total", "counter"},
                                                     {"trestle_blocks_synced_total", "counter"},
                                                     {"trestle_peer_messages_dropped_total", "counter"},
                                                     {"trestle_consensus_failed", "gauge"},
                                                     {"trestle_peer_connected", "gauge"},
                                                     {"trestle_peer_bytes_sent_total", "counter"},
                                                     {"trestle_peer_bytes_received_total", "counter"},
                                                     {"trestle_peer_frames_dropped_total", "counter"},
                                                     {"trestle_peer_reconnects_total", "counter"}};
  for (const auto& [name, type] : series) {
    CHECK_THAT(text, Catch::Contains("# HELP " + name + " "));
    CHECK_THAT(text, Catch::Contains("# TYPE " + name + " " + type + "\n"));
  }
  for (const char* line :
       {"trestle_block_height 2\n", "trestle_txs_committed_total 5\n", "trestle_blocks_committed_total 3\n",
        "trestle_txpool_size 1\n", "trestle_txs_submitted_total 6\n", "trestle_txs_rejected_total 7\n",
        "trestle_consensus_view_changes_total 8\n", "trestle_consensus_dropped_messages_total 9\n",
        "trestle_blocks_synced_total 10\n", "trestle_peer_messages_dropped_total 11\n", "trestle_consensus_failed 0\n",
        "trestle_peer_connected{peer=\"2\"} 1\n", "trestle_peer_connected{peer=\"3\"} 0\n",
        "trestle_peer_bytes_sent_total{peer=\"2\"} 1000\n", "trestle_peer_bytes_received_total{peer=\"2\"} 2000\n",
        "trestle_peer_frames_dropped_total{peer=\"2\"} 3\n", "trestle_peer_reconnects_total{peer=\"2\"} 4\n"}) {
    CHECK_THAT(text, Catch::Contains(line));
  }
}

// One HTTP/1.1 exchange over a fresh connection, written by hand so that the test sees the bytes

}  // namespace
}  // namespace trestle::node::rpc_test
