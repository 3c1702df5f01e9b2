// The JSON-RPC HTTP server over real sockets: requests, metrics, limits, bad paths and garbage.

#include "rpc_fixture.hpp"

namespace trestle::node::rpc_test {
namespace {

struct HttpAnswer {
  int status = 0;
  std::string head;
  std::string body;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (an oversize body)
    sent += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// Reads one response: the head, then Content-Length bytes of body (or up to the end of the
// connection). Does not wait for the server to close.
HttpAnswer http_exchange(std::uint16_t port, const std::string& request_bytes) {
  const int fd = connect_to(port);
  send_all(fd, request_bytes);
  std::string raw_answer;
  std::size_t head_end = std::string::npos;
  std::size_t body_size = std::string::npos;
  char buffer[4096];
  for (;;) {
    if (head_end == std::string::npos && (head_end = raw_answer.find("\r\n\r\n")) != std::string::npos) {
      std::string head = raw_answer.substr(0, head_end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto length = head.find("\r\ncontent-length: ");
      if (length != std::string::npos) body_size = std::stoul(head.substr(length + 18));
    }
    if (head_end != std::string::npos && body_size != std::string::npos &&
        raw_answer.size() >= head_end + 4 + body_size) {
      break;
    }
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    raw_answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  HttpAnswer answer;
  REQUIRE(head_end != std::string::npos);
  answer.head = raw_answer.substr(0, head_end);
  answer.body = raw_answer.substr(head_end + 4);
  REQUIRE(answer.head.rfind("HTTP/1.1 ", 0) == 0);
  answer.status = std::stoi(answer.head.substr(9, 3));
  return answer;
}

HttpAnswer http(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json") {
  std::string text = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (method == "POST") {
    text += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return http_exchange(port, text + "\r\n" + body);
}

TEST_CASE("rpc: the HTTP server", "[node][rpc][http]") {
  Chain chain;
  RpcServerOptions options;
  options.port = 0;
  options.body_max_bytes = 16384;
  options.threads = 2;
  auto started = RpcServer::start(chain.api, options);
  REQUIRE(started.ok());
  auto server = std::move(started).value();
  const auto port = server->port();
  REQUIRE(port != 0);

  HttpAnswer answer = http(port, "POST", "/", request("getBlockNumber", json::array()).dump());
  CHECK(answer.status == 200);
  CHECK_THAT(answer.head, Catch::Contains("application/json"));
  CHECK(json::parse(answer.body)["result"] == 2);

  answer = http(port, "POST", "/", "{broken");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["error"]["code"] == -32700);

  answer = http(port, "GET", "/metrics");
  CHECK(answer.status == 200);
  CHECK_THAT(answer.head, Catch::Contains("text/plain; version=0.0.4"));
  CHECK_THAT(answer.body, Catch::Contains("trestle_block_height 2\n"));

  answer = http(port, "POST", "/", std::string(20'000, ' ') + request("getBlockNumber", json::array()).dump());
  CHECK(answer.status == 413);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);
  CHECK_THAT(answer.body, Catch::Contains("16384"));
  // What `curl -d` sends: a form content type. The body is still JSON-RPC, whatever its size.
  answer = http(port, "POST", "/", std::string(10'000, ' ') + request("getBlockNumber", json::array()).dump(),
                "application/x-www-form-urlencoded");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["result"] == 2);
  answer = http(port, "POST", "/", "--b\r\n\r\n{}\r\n--b--\r\n", "multipart/form-data; boundary=b");
  CHECK(answer.status == 415);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);

  CHECK(http(port, "GET", "/").status == 405);
  CHECK(http(port, "GET", "/nothing").status == 404);
  CHECK(http(port, "POST", "/other", "{}").status == 404);

  // A chunked body is refused before it is read.
  answer =
      http_exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  CHECK(answer.status == 411);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);
  CHECK(http_exchange(port, "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").status == 411);
  CHECK(http_exchange(port, "DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status == 405);

  // Garbage bytes over raw TCP: the connection ends, the server goes on serving.
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    std::string garbage(1 + random() % 3000, '\0');
    for (auto& c : garbage) c = static_cast<char>(random());
    const int fd = connect_to(port);
    send_all(fd, garbage + "\r\n\r\n");
    ::shutdown(fd, SHUT_WR);
    read_all(fd);
    ::close(fd);
  }
  // A client that connects and leaves without a word.
  ::close(connect_to(port));

  // Concurrent clients through the two workers.
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      const auto reply = http(port, "POST", "/", request("getBlockByNumber", {i % 3}).dump());
      if (reply.status == 200 && json::parse(reply.body)["result"]["height"] == i % 3) ++good;
    });
  }
  for (auto& client : clients) client.join();
  CHECK(good == 6);

  answer = http(port, "POST", "/", request("getBlockNumber", json::array()).dump());
  CHECK(json::parse(answer.body)["result"] == 2);

  // The port is taken while the server runs.
  RpcServerOptions same = options;
  same.port = port;
  const auto second = RpcServer::start(chain.api, same);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code() == ErrorCode::kIo);

  server->stop();
  server->stop();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0);
  ::close(fd);
}

TEST_CASE("rpc: options out of range are refused", "[node][rpc][http]") {
  Chain chain;
  RpcServerOptions options;
  options.threads = 0;
  auto started = RpcServer::start(chain.api, options);
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.body_max_bytes = 0;
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.host = "";
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.host = "203.0.113.77";  // TEST-NET-3: not an address of this machine
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kIo);
  // Start and stop at once, twice: nothing hangs.
  for (int i = 0; i < 2; ++i) {
    auto quick = RpcServer::start(chain.api, RpcServerOptions{});
    REQUIRE(quick.ok());
  }
}

}  // namespace
}  // namespace trestle::node::rpc_test
