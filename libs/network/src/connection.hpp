#pragma once
// One TCP + TLS connection with a peer: the handshake, framing, heartbeats and orderly close.
//
// Life of a connection:
//   kConnecting  (dialed only) resolving the host and connecting
//   kTls         the TLS 1.3 handshake
//   kAuth        our auth frame is sent; waiting for the peer's, which must come first
//   kOpen        authenticated; writes the peer's queue while it is the peer's active connection
//   kFlushing    the transport is stopping: writes what is queued, then says goodbye and
//                half-closes
//   kRetiring    another connection carries the peer's traffic (or the peer is stopping):
//                finishes the write in flight, says goodbye, half-closes
//   kDraining    half-closed (TCP FIN sent); still reads and delivers until the peer's FIN
//   kClosed
// The socket is closed once both sides have half-closed, so that nothing either side wrote is
// lost: a side that receives the peer's FIN first finishes its write in flight, unless the
// peer's goodbye said "retired" and this is still our active connection, in which case it keeps
// sending until it reaches the same conclusion (the peer reads until then).
//
// A deadline (handshake_timeout_ms) bounds kConnecting..kAuth, kDraining and the wait after a
// "retired" goodbye; a periodic tick after authentication sends heartbeats and closes a
// connection that is silent or whose write stalls. All methods run on the I/O thread.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "auth.hpp"
#include "frame.hpp"

namespace trestle::network::detail {

class TcpCore;
struct PeerSlot;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // An accepted connection; start with start_accepted().
  Connection(TcpCore& core, asio::ip::tcp::socket socket);
  // A connection we dial to `target`; start with start_dial().
  Connection(TcpCore& core, PeerSlot& target);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start_accepted();
  void start_dial();

  // Writes control frames and, while this is the peer's active connection, the peer's queue.
  // Does nothing while a write is in flight (its completion pumps again).
  void pump();
  // Stops taking the peer's queue; half-closes once the write in flight is done.
  void retire(std::string_view reason);
  // stop(): writes the peer's queue to the end, then half-closes.
  void begin_flush();
  // Closes the socket now and tells the core. Idempotent.
  void close(std::string_view reason, bool warn);

  bool outbound() const { return target_ != nullptr; }
  bool authenticated() const { return peer_ != nullptr; }
  bool closed() const { return state_ == State::kClosed; }
  // The authenticated peer (nullptr before).
  PeerSlot* peer() const { return peer_; }
  // The peer we dialed (nullptr for accepted connections).
  PeerSlot* target() const { return target_; }
  const InstanceId& peer_instance() const { return peer_instance_; }
  const std::string& remote() const { return remote_; }

  // Whether this accepted connection counts against pending_connections_max (maintained by the
  // core).
  bool holds_pending_slot = false;

 private:
  enum class State { kConnecting, kTls, kAuth, kOpen, kFlushing, kRetiring, kDraining, kClosed };
  using Clock = std::chrono::steady_clock;

  void arm_deadline(std::uint32_t ms);
  void on_peer_finished();
  void on_tls_handshake(const std::error_code& error);
  void write_chunk();
  void on_write(const std::error_code& error, std::size_t bytes);
  void half_close();
  void read_more();
  void on_read(const std::error_code& error, std::size_t bytes);
  void on_read_error(const std::error_code& error);
  // Parses and handles the complete frames in the read buffer. False when the connection closed.
  bool process_input();
  bool check_header(const FrameHeader& header);
  bool handle_frame(MessageType type, ByteView payload);
  bool handle_auth(ByteView payload);
  void arm_tick();
  void on_tick();
  std::string describe() const;

  TcpCore& core_;
  PeerSlot* const target_;
  PeerSlot* peer_ = nullptr;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  std::optional<asio::ip::tcp::resolver> resolver_;
  asio::steady_timer deadline_;
  asio::steady_timer tick_;
  State state_ = State::kConnecting;
  std::string remote_;
  Binding binding_;
  InstanceId peer_instance_;
  bool stopping_ = false;  // the transport is stopping (begin_flush)
  bool goodbye_sent_ = false;
  std::optional<std::uint8_t> peer_goodbye_;  // the reason in the peer's goodbye frame
  bool peer_finished_ = false;                // the peer's FIN arrived

  // Writing: control frames go first; one write in flight at a time.
  std::vector<Bytes> control_;
  Bytes out_;                       // small frames gathered into one write
  FramePtr out_large_;              // or one large frame, written in chunks
  std::size_t out_offset_ = 0;      // bytes of out_large_ written
  std::size_t out_app_frames_ = 0;  // application frames in the write in flight
  bool writing_ = false;
  Clock::time_point write_started_;
  Clock::time_point last_write_;

  // Reading: frames that fit are parsed in place in rbuf_; larger ones are read into in_large_.
  Bytes rbuf_;
  std::size_t rbegin_ = 0;
  std::size_t rend_ = 0;
  // Not value-initialised: it is filled from the socket before anyone reads it.
  std::unique_ptr<std::uint8_t[]> in_large_;
  std::size_t in_large_size_ = 0;
  std::size_t in_large_have_ = 0;
  MessageType in_large_type_ = 0;
  Clock::time_point last_receive_;
};

}  // namespace trestle::network::detail
