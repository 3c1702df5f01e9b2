#include "trestle/network/tcp_transport.hpp"

#include <set>
#include <string>

#include "auth.hpp"
#include "tcp_core.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::network {
namespace {

Error bad_option(const std::string& what) { return Error(ErrorCode::kInvalidArgument, "TcpTransportOptions: " + what); }

Status check_options(const TcpTransportOptions& o) {
  if (o.network_id.size() > detail::kNetworkIdSizeMax) {
    return bad_option("network_id is longer than " + std::to_string(detail::kNetworkIdSizeMax) + " bytes");
  }
  if (o.frame_bytes_max < (1u << 10) || o.frame_bytes_max > (1u << 30)) {
    return bad_option("frame_bytes_max must be in [1 KiB, 1 GiB]");
  }
  if (o.send_queue_bytes_max < o.frame_bytes_max + detail::kFrameHeaderSize) {
    return bad_option("send_queue_bytes_max must be at least frame_bytes_max + 6");
  }
  if (o.handshake_timeout_ms == 0) return bad_option("handshake_timeout_ms must be positive");
  if (o.heartbeat_interval_ms == 0) return bad_option("heartbeat_interval_ms must be positive");
  if (o.heartbeat_timeout_ms <= o.heartbeat_interval_ms) {
    return bad_option("heartbeat_timeout_ms must exceed heartbeat_interval_ms");
  }
  if (o.write_timeout_ms == 0) return bad_option("write_timeout_ms must be positive");
  if (o.reconnect_delay_ms == 0 || o.reconnect_delay_ms > o.reconnect_delay_ms_max) {
    return bad_option("reconnect_delay_ms must be positive and at most reconnect_delay_ms_max");
  }
  if (o.pending_connections_max == 0) return bad_option("pending_connections_max must be positive");
  return ok_status();
}

}  // namespace

class TcpTransport::Impl : public detail::TcpCore {
 public:
  using TcpCore::TcpCore;
};

Result<std::unique_ptr<TcpTransport>> TcpTransport::create(const crypto::CryptoSuite& suite, crypto::PrivateKey key,
                                                           std::vector<TcpPeer> peers, TcpTransportOptions options) {
  TRESTLE_TRY_STATUS(check_options(options));
  const std::string key_type(crypto::key_type_name(suite.key_type()));
  if (key.type() != suite.key_type()) {
    return Error(ErrorCode::kInvalidArgument, "the node key is not a " + key_type + " key, which the '" +
                                                  std::string(suite.name()) + "' suite needs");
  }
  std::set<NodeId> seen;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::string where = "peers[" + std::to_string(i) + "]: ";
    if (peers[i].key.type() != suite.key_type()) {
      return Error(ErrorCode::kInvalidArgument, where + "not a " + key_type + " key");
    }
    if (!seen.insert(node_id_of(suite, peers[i].key)).second) {
      return Error(ErrorCode::kInvalidArgument, where + "the same key is listed twice");
    }
    if (peers[i].address && (peers[i].address->host.empty() || peers[i].address->port == 0)) {
      return Error(ErrorCode::kInvalidArgument, where + "an address needs a host and a non-zero port");
    }
  }
  detail::InstanceId instance;
  TRESTLE_TRY_STATUS(crypto::fill_random(std::span<std::uint8_t>(instance.data(), instance.size())));
  return std::unique_ptr<TcpTransport>(
      new TcpTransport(std::make_unique<Impl>(suite, std::move(key), std::move(peers), std::move(options), instance)));
}

TcpTransport::TcpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpTransport::~TcpTransport() = default;

const NodeId& TcpTransport::self() const { return impl_->self(); }
Status TcpTransport::start(TransportHandlers handlers) { return impl_->start(std::move(handlers)); }
void TcpTransport::stop() { impl_->stop(); }
Status TcpTransport::send(const NodeId& peer, MessageType type, ByteView payload) {
  return impl_->send(peer, type, payload);
}
Result<std::size_t> TcpTransport::broadcast(MessageType type, ByteView payload) {
  return impl_->broadcast(type, payload);
}
std::vector<NodeId> TcpTransport::peers() const { return impl_->peers(); }
bool TcpTransport::is_connected(const NodeId& peer) const { return impl_->is_connected(peer); }
std::vector<PeerStats> TcpTransport::stats() const { return impl_->stats(); }
std::uint16_t TcpTransport::listen_port() const { return impl_->listen_port(); }
Status TcpTransport::set_peer_address(const NodeId& peer, std::optional<PeerAddress> address) {
  return impl_->set_peer_address(peer, std::move(address));
}

}  // namespace trestle::network
