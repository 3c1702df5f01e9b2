#include "connection.hpp"

#include <algorithm>
#include <cstring>

#include "log.hpp"
#include "tcp_core.hpp"

namespace trestle::network::detail {
namespace {

// A large frame is written in pieces of at most this, so that write_timeout_ms measures
// progress rather than the time to send a whole 32 MiB frame.
constexpr std::size_t kChunkBytes = 256u << 10;
// Frames whose header and payload fit are parsed in place; larger ones get their own buffer.
constexpr std::size_t kReadBufferBytes = 64u << 10;

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

std::int64_t ms_since(std::chrono::steady_clock::time_point then) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - then).count();
}

}  // namespace

Connection::Connection(TcpCore& core, asio::ip::tcp::socket socket)
    : core_(core),
      target_(nullptr),
      stream_(std::move(socket), core.tls().server),
      deadline_(core.io()),
      tick_(core.io()),
      rbuf_(kReadBufferBytes) {
  std::error_code ignored;
  const auto endpoint = stream_.lowest_layer().remote_endpoint(ignored);
  remote_ = ignored ? "unknown address" : endpoint_text(endpoint);
}

Connection::Connection(TcpCore& core, PeerSlot& target)
    : core_(core),
      target_(&target),
      stream_(asio::ip::tcp::socket(core.io()), core.tls().client),
      deadline_(core.io()),
      tick_(core.io()),
      rbuf_(kReadBufferBytes) {
  remote_ = target.address->host + ":" + std::to_string(target.address->port);
}

std::string Connection::describe() const {
  if (peer_ != nullptr) {
    return "peer " + peer_->tag + (outbound() ? " (dialed, " : " (accepted, ") + remote_ + ")";
  }
  if (outbound()) return "dial to peer " + target_->tag + " at " + remote_;
  return "connection from " + remote_;
}

void Connection::arm_deadline(std::uint32_t ms) {
  deadline_.expires_after(std::chrono::milliseconds(ms));
  deadline_.async_wait([self = shared_from_this(), ms](const std::error_code& error) {
    if (error || self->closed()) return;
    if (!self->authenticated()) {
      self->close("handshake not finished within " + std::to_string(ms) + " ms", true);
    } else if (self->state_ == State::kDraining) {
      self->close("the peer did not finish closing within " + std::to_string(ms) + " ms", false);
    } else if (self->peer_finished_) {
      self->close("the peer retired this connection and no other came up within " + std::to_string(ms) + " ms", true);
    }
  });
}

void Connection::start_accepted() {
  state_ = State::kTls;
  arm_deadline(core_.options().handshake_timeout_ms);
  std::error_code ignored;
  stream_.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  stream_.async_handshake(asio::ssl::stream_base::server,
                          [self = shared_from_this()](const std::error_code& error) { self->on_tls_handshake(error); });
}

void Connection::start_dial() {
  state_ = State::kConnecting;
  arm_deadline(core_.options().handshake_timeout_ms);
  resolver_.emplace(core_.io());
  resolver_->async_resolve(
      target_->address->host, std::to_string(target_->address->port),
      [self = shared_from_this()](const std::error_code& error, const asio::ip::tcp::resolver::results_type& results) {
        if (self->closed()) return;
        if (error) {
          self->close("cannot resolve the address: " + error.message(), true);
          return;
        }
        asio::async_connect(self->stream_.lowest_layer(), results,
                            [self](const std::error_code& connect_error, const asio::ip::tcp::endpoint& endpoint) {
                              if (self->closed()) return;
                              if (connect_error) {
                                self->close("cannot connect: " + connect_error.message(), false);
                                return;
                              }
                              self->remote_ = endpoint_text(endpoint);
                              std::error_code ignored;
                              self->stream_.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
                              self->state_ = State::kTls;
                              self->stream_.async_handshake(
                                  asio::ssl::stream_base::client,
                                  [self](const std::error_code& tls_error) { self->on_tls_handshake(tls_error); });
                            });
      });
}

void Connection::on_tls_handshake(const std::error_code& error) {
  if (closed()) return;
  if (error) {
    close("TLS handshake failed: " + error.message(), true);
    return;
  }
  auto binding = export_binding(stream_.native_handle());
  if (!binding.ok()) {
    close(binding.error().message(), true);
    return;
  }
  binding_ = binding.value();
  secure_wipe(binding.value().data(), binding.value().size());
  const Role role = outbound() ? Role::kDialer : Role::kAcceptor;
  auto payload =
      make_auth_payload(core_.suite(), core_.key(), role, binding_, core_.options().network_id, core_.instance());
  if (!payload.ok()) {
    close("cannot sign the channel binding: " + payload.error().message(), true);
    return;
  }
  control_.push_back(make_frame(kAuthMessageType, payload.value()));
  state_ = State::kAuth;
  last_receive_ = Clock::now();
  last_write_ = Clock::now();
  pump();
  read_more();
}

void Connection::pump() {
  if (writing_ || state_ == State::kClosed || state_ == State::kConnecting || state_ == State::kTls ||
      state_ == State::kDraining) {
    return;
  }
  out_.clear();
  out_large_.reset();
  out_offset_ = 0;
  out_app_frames_ = 0;
  // Control frames (auth, heartbeat) go first, in a write of their own.
  for (const Bytes& frame : control_) append(out_, frame);
  control_.clear();

  bool queue_done = true;
  if (out_.empty() && (state_ == State::kOpen || state_ == State::kFlushing) && peer_ != nullptr) {
    std::lock_guard lock(peer_->mutex);
    if (peer_->active.get() == this) {
      if (!peer_->queue.empty()) {
        QueuedChunk& chunk = peer_->queue.front();
        peer_->queued_bytes -= chunk.size();
        peer_->queued_frames -= chunk.frames;
        out_app_frames_ = chunk.frames;
        if (chunk.large) {
          out_large_ = std::move(chunk.large);
        } else {
          out_ = std::move(chunk.block);
        }
        peer_->queue.pop_front();
      }
      queue_done = peer_->queue.empty();
    }
  }

  if (out_.empty() && !out_large_) {
    if (state_ == State::kRetiring || (state_ == State::kFlushing && queue_done)) {
      if (goodbye_sent_) {
        half_close();
        return;
      }
      const std::uint8_t reason[1] = {stopping_ ? kGoodbyeStopping : kGoodbyeRetired};
      out_ = make_frame(kGoodbyeMessageType, reason);
      goodbye_sent_ = true;
    } else {
      return;
    }
  }
  write_chunk();
}

void Connection::write_chunk() {
  const std::uint8_t* data = out_.data();
  std::size_t size = out_.size();
  if (out_large_) {
    data = out_large_->data() + out_offset_;
    size = std::min(kChunkBytes, out_large_->size() - out_offset_);
  }
  writing_ = true;
  write_started_ = Clock::now();
  asio::async_write(
      stream_, asio::buffer(data, size),
      [self = shared_from_this()](const std::error_code& error, std::size_t bytes) { self->on_write(error, bytes); });
}

void Connection::on_write(const std::error_code& error, std::size_t bytes) {
  writing_ = false;
  if (closed()) return;
  if (error) {
    close("write failed: " + error.message(), true);
    return;
  }
  last_write_ = Clock::now();
  if (peer_ != nullptr) peer_->bytes_sent += bytes;
  if (out_large_) {
    out_offset_ += bytes;
    if (out_offset_ < out_large_->size()) {
      write_chunk();
      return;
    }
  }
  if (peer_ != nullptr) peer_->frames_sent += out_app_frames_;
  out_app_frames_ = 0;
  out_large_.reset();
  pump();
}

void Connection::half_close() {
  state_ = State::kDraining;
  std::error_code ignored;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (peer_finished_) {
    close(peer_goodbye_ == kGoodbyeStopping ? "the peer stopped" : "closed by both sides", false);
    return;
  }
  arm_deadline(core_.options().handshake_timeout_ms);
}

void Connection::on_peer_finished() {
  peer_finished_ = true;
  switch (state_) {
    case State::kDraining:
      close(peer_goodbye_ == kGoodbyeStopping ? "the peer stopped" : "closed by both sides", false);
      return;
    case State::kOpen:
      if (peer_goodbye_ == kGoodbyeRetired) {
        // The peer keeps reading until we half-close too, once our own rule retires this
        // connection (when the other connection authenticates here).
        arm_deadline(core_.options().handshake_timeout_ms);
        return;
      }
      state_ = State::kRetiring;
      break;
    case State::kFlushing:
      state_ = State::kRetiring;
      break;
    default:
      break;
  }
  // Finish the write in flight (the peer reads until we close), then close.
  if (!writing_) pump();
}

void Connection::retire(std::string_view reason) {
  if (state_ != State::kOpen) return;
  core_.log().debug("node {}: {}: retiring: {}", core_.tag(), describe(), reason);
  state_ = State::kRetiring;
  if (!writing_) pump();
}

void Connection::begin_flush() {
  stopping_ = true;
  if (state_ == State::kOpen) {
    state_ = State::kFlushing;
    if (!writing_) pump();
  } else if (!authenticated()) {
    close("the transport is stopping", false);
  }
}

void Connection::close(std::string_view reason, bool warn) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (warn) {
    core_.log().warn("node {}: {}: closed: {}", core_.tag(), describe(), reason);
  } else {
    core_.log().info("node {}: {}: closed: {}", core_.tag(), describe(), reason);
  }
  if (writing_ && peer_ != nullptr) peer_->frames_dropped += out_app_frames_;
  out_app_frames_ = 0;
  std::error_code ignored;
  deadline_.cancel();
  tick_.cancel();
  if (resolver_) resolver_->cancel();
  stream_.lowest_layer().close(ignored);
  secure_wipe(binding_.data(), binding_.size());
  in_large_.reset();
  core_.on_closed(shared_from_this());
}

void Connection::read_more() {
  if (closed()) return;
  auto self = shared_from_this();
  if (in_large_) {
    const std::size_t want = std::min(kChunkBytes, in_large_size_ - in_large_have_);
    stream_.async_read_some(
        asio::buffer(in_large_.get() + in_large_have_, want), [self](const std::error_code& error, std::size_t bytes) {
          if (self->closed()) return;
          if (error) {
            self->on_read_error(error);
            return;
          }
          self->last_receive_ = Clock::now();
          if (self->peer_ != nullptr) self->peer_->bytes_received += bytes;
          self->in_large_have_ += bytes;
          if (self->in_large_have_ == self->in_large_size_) {
            const std::unique_ptr<std::uint8_t[]> payload = std::move(self->in_large_);
            if (!self->handle_frame(self->in_large_type_, ByteView(payload.get(), self->in_large_size_))) {
              return;
            }
          }
          self->read_more();
        });
    return;
  }
  stream_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
                          [self](const std::error_code& error, std::size_t bytes) { self->on_read(error, bytes); });
}

void Connection::on_read(const std::error_code& error, std::size_t bytes) {
  if (closed()) return;
  if (error) {
    on_read_error(error);
    return;
  }
  last_receive_ = Clock::now();
  if (peer_ != nullptr) peer_->bytes_received += bytes;
  rend_ += bytes;
  if (!process_input()) return;
  read_more();
}

void Connection::on_read_error(const std::error_code& error) {
  if (error == asio::error::operation_aborted) return;
  const bool peer_closed = error == asio::error::eof || error == asio::ssl::error::stream_truncated;
  if (!authenticated()) {
    close(peer_closed ? "the peer closed the connection during the handshake" : "read failed: " + error.message(),
          true);
  } else if (peer_closed && (peer_goodbye_ || state_ == State::kDraining)) {
    on_peer_finished();
  } else if (peer_closed) {
    close("the peer closed the connection", false);
  } else {
    close("read failed: " + error.message(), true);
  }
}

bool Connection::process_input() {
  while (true) {
    const std::size_t available = rend_ - rbegin_;
    if (available < kFrameHeaderSize) break;
    const FrameHeader header = read_frame_header(rbuf_.data() + rbegin_);
    if (!check_header(header)) return false;
    const std::size_t payload_have = available - kFrameHeaderSize;
    if (payload_have >= header.length) {
      const ByteView payload(rbuf_.data() + rbegin_ + kFrameHeaderSize, header.length);
      rbegin_ += kFrameHeaderSize + header.length;
      if (!handle_frame(header.type, payload)) return false;
      continue;
    }
    if (kFrameHeaderSize + header.length > rbuf_.size()) {
      // check_header bounded the length by frame_bytes_max.
      in_large_ = std::make_unique_for_overwrite<std::uint8_t[]>(header.length);
      in_large_size_ = header.length;
      std::memcpy(in_large_.get(), rbuf_.data() + rbegin_ + kFrameHeaderSize, payload_have);
      in_large_have_ = payload_have;
      in_large_type_ = header.type;
      rbegin_ = rend_ = 0;
      return true;
    }
    break;
  }
  if (rbegin_ == rend_) {
    rbegin_ = rend_ = 0;
  } else if (rbegin_ > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + rbegin_, rend_ - rbegin_);
    rend_ -= rbegin_;
    rbegin_ = 0;
  }
  return true;
}

bool Connection::check_header(const FrameHeader& header) {
  if (header.version != kProtocolVersion) {
    close("frame of protocol version " + std::to_string(header.version) + ", this node speaks version " +
              std::to_string(kProtocolVersion),
          true);
    return false;
  }
  if (state_ == State::kAuth) {
    if (header.type != kAuthMessageType || header.length > kAuthPayloadMax) {
      close("expected the peer's auth message, got a frame of type " + std::to_string(header.type) + " and " +
                std::to_string(header.length) + " bytes",
            true);
      return false;
    }
    return true;
  }
  if (header.type == kHeartbeatMessageType) {
    if (header.length != 0) {
      close("heartbeat frame with a payload of " + std::to_string(header.length) + " bytes", true);
      return false;
    }
    return true;
  }
  if (header.type == kGoodbyeMessageType) {
    if (header.length != 1 || peer_goodbye_) {
      close(peer_goodbye_ ? "a second goodbye frame" : "goodbye frame of " + std::to_string(header.length) + " bytes",
            true);
      return false;
    }
    return true;
  }
  if (header.type < kFirstApplicationMessageType) {
    close("unexpected transport frame type " + std::to_string(header.type) + " after the handshake", true);
    return false;
  }
  if (header.length > core_.options().frame_bytes_max) {
    close("frame of " + std::to_string(header.length) + " bytes exceeds the limit of " +
              std::to_string(core_.options().frame_bytes_max),
          true);
    return false;
  }
  return true;
}

bool Connection::handle_frame(MessageType type, ByteView payload) {
  if (state_ == State::kAuth) return handle_auth(payload);
  if (type == kHeartbeatMessageType) return true;
  if (type == kGoodbyeMessageType) {
    if (payload[0] != kGoodbyeRetired && payload[0] != kGoodbyeStopping) {
      close("goodbye frame with unknown reason " + std::to_string(payload[0]), true);
      return false;
    }
    peer_goodbye_ = payload[0];
    // A stopping peer takes nothing new; a retiring one is answered when our own rule agrees.
    if (peer_goodbye_ == kGoodbyeStopping && state_ == State::kOpen) retire("the peer is stopping");
    return !closed();
  }
  core_.deliver(*peer_, type, payload);
  return !closed();
}

bool Connection::handle_auth(ByteView payload) {
  auto hello = parse_auth_payload(core_.suite(), payload);
  if (!hello.ok()) {
    close("malformed auth message: " + hello.error().message(), true);
    return false;
  }
  const NodeId id = node_id_of(core_.suite(), hello.value().key);
  if (id == core_.self()) {
    close("the peer presented this node's own key", true);
    return false;
  }
  PeerSlot* slot = core_.find_peer(id);
  if (slot == nullptr) {
    close("key of node " + short_id(id) + " is not in the node list", true);
    return false;
  }
  if (outbound() && slot != target_) {
    close("node " + slot->tag + " answered instead of the dialed peer", true);
    return false;
  }
  // The peer signed in the other role: a signature we made ourselves cannot be sent back to us.
  const Role peer_role = outbound() ? Role::kAcceptor : Role::kDialer;
  const bool signature_ok = verify_auth(core_.suite(), hello.value(), peer_role, binding_, core_.options().network_id);
  secure_wipe(binding_.data(), binding_.size());
  if (!signature_ok) {
    close("node " + slot->tag +
              ": the signature over the TLS channel binding does not verify (a relayed session, a wrong key or "
              "another network id)",
          true);
    return false;
  }
  peer_ = slot;
  peer_instance_ = hello.value().instance;
  state_ = State::kOpen;
  deadline_.cancel();
  arm_tick();
  core_.on_authenticated(shared_from_this());
  return !closed();
}

void Connection::arm_tick() {
  tick_.expires_after(std::chrono::milliseconds(core_.options().heartbeat_interval_ms));
  tick_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (error || self->closed()) return;
    self->on_tick();
  });
}

void Connection::on_tick() {
  const TcpTransportOptions& options = core_.options();
  if (writing_ && ms_since(write_started_) > options.write_timeout_ms) {
    close("a write made no progress for " + std::to_string(options.write_timeout_ms) + " ms: the peer does not read",
          true);
    return;
  }
  if ((state_ == State::kOpen || state_ == State::kFlushing) && !peer_finished_ &&
      ms_since(last_receive_) > options.heartbeat_timeout_ms) {
    close("nothing received for " + std::to_string(options.heartbeat_timeout_ms) + " ms (heartbeat timeout)", true);
    return;
  }
  // An interval with no completed write: tell the peer we are alive. Slightly early so that a
  // tick landing just before the interval's end does not skip a whole interval.
  if (state_ == State::kOpen && !writing_ && ms_since(last_write_) >= options.heartbeat_interval_ms * 3 / 4) {
    control_.push_back(make_frame(kHeartbeatMessageType, {}));
    pump();
  }
  arm_tick();
}

}  // namespace trestle::network::detail
