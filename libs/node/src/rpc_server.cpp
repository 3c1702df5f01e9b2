#include "trestle/node/rpc_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "rpc_methods.hpp"

namespace trestle::node {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kThreadsMax = 256;
constexpr const char* kJsonType = "application/json";
constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

// The message of a json::parse_error without the library's "[json.exception.parse_error.101] ".
std::string parse_error_message(const std::exception& error) {
  std::string_view text = error.what();
  if (!text.empty() && text.front() == '[') {
    const auto end = text.find("] ");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  return std::string(text);
}

std::string handle_batch(NodeApi& api, const json& batch, std::size_t batch_max) {
  if (batch.empty()) return rpc::error_response(nullptr, rpc::kInvalidRequest, "empty batch");
  if (batch.size() > batch_max) {
    return rpc::error_response(
        nullptr, rpc::kInvalidRequest,
        "batch of " + std::to_string(batch.size()) + " requests is over the limit of " + std::to_string(batch_max));
  }
  // The answers are joined as text: each is serialized once, and the total size is known as it
  // grows.
  std::string out = "[";
  bool any = false;
  for (const auto& request : batch) {
    std::optional<std::string> answer;
    if (out.size() > rpc::kBatchResponseMaxBytes) {
      if (request.is_object() && !request.contains("id")) continue;  // a notification is skipped silently
      json id = nullptr;
      if (request.is_object() && (request.at("id").is_string() || request.at("id").is_number())) id = request.at("id");
      answer = rpc::error_response(id, rpc::kInvalidRequest,
                                   "the batch's answer is over " + std::to_string(rpc::kBatchResponseMaxBytes) +
                                       " bytes: send fewer requests per batch");
    } else {
      answer = rpc::answer_request(api, request);
    }
    if (!answer) continue;
    if (any) out += ',';
    out += *answer;
    any = true;
  }
  if (!any) return {};  // only notifications: JSON-RPC answers nothing
  out += ']';
  return out;
}

void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   std::uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

template <typename ValueOf>
void append_peer_metric(std::string& out, const std::vector<PeerInfo>& peers, std::string_view name,
                        std::string_view type, std::string_view help, ValueOf value_of) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  for (const auto& peer : peers) {
    out.append(name).append("{peer=\"").append(std::to_string(peer.index)).append("\"} ");
    out.append(std::to_string(value_of(peer.stats))).append("\n");
  }
}

std::string rpc_error_body(int code, const std::string& message) { return rpc::error_response(nullptr, code, message); }

std::string body_over_limit(std::size_t body_max_bytes) {
  return rpc_error_body(rpc::kInvalidRequest,
                        "request body over the limit of " + std::to_string(body_max_bytes) + " bytes");
}

}  // namespace

struct RpcServer::Impl {
  Impl(NodeApi& api_in, const RpcServerOptions& options_in) : api(api_in), options(options_in) {}

  NodeApi& api;
  RpcServerOptions options;
  httplib::Server server;
  std::thread listener;
  std::atomic<bool> listener_done{false};
  std::uint16_t port = 0;
  std::mutex stop_mutex;
};

std::string RpcServer::handle(NodeApi& api, const std::string& body, std::size_t batch_max) {
  try {
    json request;
    try {
      request = json::parse(body);
    } catch (const json::parse_error& error) {
      return rpc::error_response(nullptr, rpc::kParseError, "parse error: " + parse_error_message(error));
    }
    if (request.is_array()) return handle_batch(api, request, batch_max);
    auto answer = rpc::answer_request(api, request);
    return answer ? std::move(*answer) : std::string();
  } catch (const std::exception& error) {
    return rpc::error_response(nullptr, rpc::kInternalError, std::string("internal error: ") + error.what());
  } catch (...) {
    return R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"internal error"}})";
  }
}

std::string RpcServer::metrics_text(const NodeApi& api) {
  const NodeMetrics metrics = api.metrics();
  std::string out;
  append_metric(out, "trestle_block_height", "gauge", "Height of the latest committed block.", metrics.height);
  append_metric(out, "trestle_txs_committed_total", "counter", "Transactions committed since the node started.",
                metrics.txs_committed);
  append_metric(out, "trestle_blocks_committed_total", "counter", "Blocks committed since the node started.",
                metrics.blocks_committed);
  append_metric(out, "trestle_txpool_size", "gauge", "Transactions waiting in the pool.", metrics.pool_size);
  append_metric(out, "trestle_txs_submitted_total", "counter",
                "Transactions the pool accepted (sendTransaction or gossip) since the node started.",
                metrics.txs_submitted);
  append_metric(out, "trestle_txs_rejected_total", "counter", "Transactions the pool refused since the node started.",
                metrics.txs_rejected);
  append_metric(out, "trestle_consensus_view_changes_total", "counter",
                "Consensus rounds started beyond the first of a height.", metrics.view_changes);
  append_metric(out, "trestle_consensus_dropped_messages_total", "counter",
                "Consensus messages dropped as malformed, badly signed or stale.", metrics.consensus_dropped);
  append_metric(out, "trestle_blocks_synced_total", "counter",
                "Blocks committed from peers' certificates while catching up.", metrics.blocks_synced);
  append_metric(out, "trestle_peer_messages_dropped_total", "counter",
                "Peer messages dropped because too many waited to be processed.", metrics.peer_messages_dropped);
  append_metric(out, "trestle_consensus_failed", "gauge",
                "1 when the node stopped taking part in consensus after a failure (see its log), else 0.",
                metrics.consensus_failed ? 1u : 0u);
  const auto& peers = metrics.peers;
  append_peer_metric(out, peers, "trestle_peer_connected", "gauge", "1 when the peer is connected, else 0.",
                     [](const network::PeerStats& stats) { return stats.connected ? 1u : 0u; });
  append_peer_metric(out, peers, "trestle_peer_bytes_sent_total", "counter", "Bytes sent to the peer.",
                     [](const network::PeerStats& stats) { return stats.bytes_sent; });
  append_peer_metric(out, peers, "trestle_peer_bytes_received_total", "counter", "Bytes received from the peer.",
                     [](const network::PeerStats& stats) { return stats.bytes_received; });
  append_peer_metric(out, peers, "trestle_peer_frames_dropped_total", "counter",
                     "Messages for the peer that were dropped instead of sent.",
                     [](const network::PeerStats& stats) { return stats.frames_dropped; });
  append_peer_metric(out, peers, "trestle_peer_reconnects_total", "counter",
                     "Connections to the peer established after the first one.",
                     [](const network::PeerStats& stats) { return stats.reconnects; });
  return out;
}

Result<std::unique_ptr<RpcServer>> RpcServer::start(NodeApi& api, const RpcServerOptions& options) {
  if (options.host.empty()) return Error(ErrorCode::kInvalidArgument, "rpc: the listen host is empty");
  if (options.threads == 0 || options.threads > kThreadsMax) {
    return Error(ErrorCode::kInvalidArgument,
                 "rpc: threads must be 1.." + std::to_string(kThreadsMax) + ", got " + std::to_string(options.threads));
  }
  if (options.body_max_bytes == 0) return Error(ErrorCode::kInvalidArgument, "rpc: body_max_bytes must be positive");
  if (options.batch_max == 0) return Error(ErrorCode::kInvalidArgument, "rpc: batch_max must be positive");

  auto impl = std::make_unique<Impl>(api, options);
  Impl* self = impl.get();
  auto& server = impl->server;
  const std::size_t threads = options.threads;
  // A fixed number of workers; connections beyond them wait in the pool's queue.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.body_max_bytes);
  server.set_tcp_nodelay(true);
  // The library's default also sets SO_REUSEPORT, which lets a second server bind a port in use
  // and take half its connections. Only SO_REUSEADDR (a restart may rebind at once).
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  // cpp-httplib 0.11 enforces the payload limit only on a body with Content-Length: a chunked
  // body or one that runs to the end of the connection would be read whole into memory. Such
  // requests (of every method the library reads a body for) are refused before their body is read.
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const bool carries_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                              req.method == "DELETE" || req.method == "PRI";
    if (!carries_body) return httplib::Server::HandlerResponse::Unhandled;
    if (req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 411;
    res.set_header("Connection", "close");
    res.set_content(rpc_error_body(rpc::kInvalidRequest, "a request body needs a Content-Length header"), kJsonType);
    return httplib::Server::HandlerResponse::Handled;
  });

  // The body is read through a content reader, not into req.body: the library's plain Post path
  // parses an application/x-www-form-urlencoded body (what `curl -d` sends) as a form and refuses
  // one over 8 KiB. This path reads any content type, up to body_max_bytes after decompression.
  server.Post("/", [self](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    if (req.is_multipart_form_data()) {
      res.status = 415;
      res.set_content(rpc_error_body(rpc::kInvalidRequest, "the body must be a JSON-RPC request, not a multipart form"),
                      kJsonType);
      return;
    }
    const std::size_t body_max = self->options.body_max_bytes;
    std::string body;
    bool over_limit = false;
    const bool complete = reader([&](const char* data, std::size_t size) {
      if (body.size() + size > body_max) {
        over_limit = true;
        return false;
      }
      body.append(data, size);
      return true;
    });
    if (over_limit || (!complete && res.status == 413)) {
      res.status = 413;
      res.set_content(body_over_limit(body_max), kJsonType);
      return;
    }
    if (!complete) {
      res.status = 400;
      res.set_content(rpc_error_body(rpc::kInvalidRequest, "the request body could not be read"), kJsonType);
      return;
    }
    res.set_content(handle(self->api, body, self->options.batch_max), kJsonType);
  });
  server.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(self->api), kMetricsType);
  });
  const auto method_not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content("JSON-RPC requests are POSTed to /; metrics are at GET /metrics\n", "text/plain");
  };
  server.Get("/", method_not_allowed);
  server.Put("/", method_not_allowed);
  server.Patch("/", method_not_allowed);
  server.Delete("/", method_not_allowed);

  // Statuses the library sets itself come with an empty body: 413 for a body over the limit
  // (after it was read and discarded), 400 for a malformed request, 404 for another path.
  server.set_error_handler([self](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      res.set_content(body_over_limit(self->options.body_max_bytes), kJsonType);
    } else if (res.status == 404) {
      res.set_content("not found: JSON-RPC requests are POSTed to /; metrics are at GET /metrics\n", "text/plain");
    } else {
      res.set_content("HTTP error " + std::to_string(res.status) + "\n", "text/plain");
    }
  });
  // Handlers catch everything themselves; this is the last line for what escapes the library's own
  // code.
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(rpc_error_body(rpc::kInternalError, "internal error"), kJsonType);
  });

  const std::string where = options.host + ":" + std::to_string(options.port);
  if (options.port == 0) {
    const int port = server.bind_to_any_port(options.host);
    if (port <= 0)
      return Error(ErrorCode::kIo, "rpc: cannot bind to " + where + " (is the host an address of this machine?)");
    impl->port = static_cast<std::uint16_t>(port);
  } else {
    if (!server.bind_to_port(options.host, options.port)) {
      return Error(ErrorCode::kIo,
                   "rpc: cannot bind to " + where + " (port in use, or the host is not an address of this machine)");
    }
    impl->port = options.port;
  }

  impl->listener = std::thread([self] {
    self->server.listen_after_bind();
    self->listener_done = true;
  });
  // stop() has no effect on a server that is not yet running; wait until it is, so that a stop()
  // right after start() cannot be lost.
  while (!server.is_running() && !impl->listener_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (impl->listener_done) {
    impl->listener.join();
    return Error(ErrorCode::kIo, "rpc: the server on " + where + " stopped at once");
  }
  return std::unique_ptr<RpcServer>(new RpcServer(std::move(impl)));
}

RpcServer::RpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RpcServer::~RpcServer() { stop(); }

std::uint16_t RpcServer::port() const { return impl_->port; }

void RpcServer::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  if (!impl_->listener.joinable()) return;
  impl_->server.stop();
  // listen_after_bind returns after the worker pool has finished its connections.
  impl_->listener.join();
}

}  // namespace trestle::node
