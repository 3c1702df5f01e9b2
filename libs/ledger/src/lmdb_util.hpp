#pragma once
// Small pieces of the LMDB store: error mapping, key encodings, and the gate that lets a commit
// grow the memory map while no read transaction is open.

#include <lmdb.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::ledger::detail {

// Maps an LMDB or errno code to an Error: MDB_NOTFOUND -> kNotFound; corruption and version codes
// -> kCorrupt / kUnsupported; MDB_READERS_FULL and MDB_MAP_FULL -> kLimitExceeded; system errors
// (ENOSPC, EIO, EACCES, ...) -> kIo. The message is "what: LMDB's description".
Error lmdb_error(int rc, std::string_view what);

inline std::array<std::uint8_t, 8> be64(std::uint64_t value) {
  std::array<std::uint8_t, 8> out{};
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
  return out;
}

inline std::uint64_t read_be64(const std::uint8_t* data) {
  std::uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | data[i];
  return out;
}

inline std::uint32_t read_be32(const std::uint8_t* data) {
  return (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) | (std::uint32_t{data[2]} << 8) | data[3];
}

// MDB_val views of our bytes. LMDB does not write through mv_data for puts and gets.
inline MDB_val mdb_val(ByteView bytes) {
  return MDB_val{bytes.size(), const_cast<std::uint8_t*>(bytes.data())};  // NOLINT: LMDB API is not const-correct
}
inline ByteView view_of(const MDB_val& value) {
  return ByteView(static_cast<const std::uint8_t*>(value.mv_data), value.mv_size);
}

// Composite state key: u8 table length || table || key.
Bytes state_key(std::string_view table, ByteView key);

// Readers (every open read transaction) enter and leave; a resize waits until none is inside and
// holds new ones back meanwhile (writer preference, so a stream of short reads cannot starve it).
// A thread that is already inside (it holds a StateView) enters again without waiting: otherwise
// its point read would wait for the resize, which waits for its view, until the resize times out.
class ResizeGate {
 public:
  // Returns the ticket to hand to leave(), which may run on another thread.
  std::thread::id enter() {
    const std::thread::id self = std::this_thread::get_id();
    std::unique_lock lock(mutex_);
    if (inside_.count(self) == 0) changed_.wait(lock, [&] { return !resizing_; });
    ++inside_[self];
    ++readers_;
    return self;
  }
  void leave(std::thread::id ticket) {
    std::lock_guard lock(mutex_);
    auto it = inside_.find(ticket);
    if (it != inside_.end() && --it->second == 0) inside_.erase(it);
    if (--readers_ == 0) changed_.notify_all();
  }
  // False when readers remain after `wait`; the gate is then open again.
  bool begin_resize(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !resizing_; });
    resizing_ = true;
    if (!changed_.wait_for(lock, wait, [&] { return readers_ == 0; })) {
      resizing_ = false;
      changed_.notify_all();
      return false;
    }
    return true;
  }
  void end_resize() {
    std::lock_guard lock(mutex_);
    resizing_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t readers_ = 0;
  std::unordered_map<std::thread::id, std::size_t> inside_;  // readers per entering thread
  bool resizing_ = false;
};

}  // namespace trestle::ledger::detail
