#pragma once
// RpcServer: JSON-RPC 2.0 over HTTP (POST /) and Prometheus metrics (GET /metrics) for a node.
//
// docs/rpc.md is the reference of every method, its params and its result. In short: hashes and
// byte strings are lower-case hex without 0x (0x is accepted on input), integers are JSON numbers,
// and a result that does not exist yet (a receipt before its transaction commits) is null.
// Batches (a JSON array of requests) are answered with an array.
//
// Bad input never stops the server: invalid JSON (-32700), a request that is not a JSON-RPC 2.0
// request (-32600), an unknown method (-32601), wrong params (-32602), an unknown hash or height
// (-32004), a transaction the pool refuses (-32010, with the reason), a body over the size limit
// (-32600 with HTTP 413) all get an error object whose message says what is wrong.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "trestle/core/result.hpp"
#include "trestle/node/node_api.hpp"

namespace trestle::node {

struct RpcServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see RpcServer::port()
  std::size_t body_max_bytes = 8u << 20;
  // Requests in one batch at most.
  std::size_t batch_max = 1'000;
  // HTTP worker threads.
  std::size_t threads = 4;
};

class RpcServer {
 public:
  // Binds and starts serving on its own threads. `api` must outlive the server. Errors: kIo (the
  // address cannot be bound, naming it), kInvalidArgument (options out of range).
  static Result<std::unique_ptr<RpcServer>> start(NodeApi& api, const RpcServerOptions& options);
  ~RpcServer();  // stops: no call into the api after it returns
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  std::uint16_t port() const;
  void stop();

  // One request body in, one response body out (what POST / does), for tests and for embedding
  // the RPC behind another HTTP server. Never throws.
  static std::string handle(NodeApi& api, const std::string& body, std::size_t batch_max = 1'000);
  // The /metrics text.
  static std::string metrics_text(const NodeApi& api);

 private:
  struct Impl;
  explicit RpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trestle::node
