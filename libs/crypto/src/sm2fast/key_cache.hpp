#pragma once
// A bounded cache of precomputed tables for public keys that are verified often (the sealers'
// keys in consensus). With a key's table, a verification needs 65 doublings instead of 256,
// about 2.5 times faster; building a table costs about two verifications, so a key earns one
// only on its `uses_before_table`-th verification and one-off keys (most transaction senders)
// never pay for it.
//
// Thread-safe: every method may be called concurrently. Tables are shared, immutable and
// reference-counted, so an evicted table stays valid for a verification still using it.

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>

#include "../curves.hpp"
#include "tables.hpp"

namespace trestle::crypto::sm2fast {

struct KeyTableCacheOptions {
  // Memory for tables; the least recently used are evicted beyond it. 4 MiB holds 512 keys
  // at the default width. 0 disables tables altogether.
  std::size_t bytes_max = std::size_t{4} << 20;
  // A key gets a table on its n-th verification (1: at once). Keys seen fewer times are
  // remembered, least recently used first out, up to candidates_max of them.
  std::uint32_t uses_before_table = 2;
  std::size_t candidates_max = 4096;
  // wNAF width of the per-key tables, 4..10: 4 * 2^(width-2) points of 64 bytes each
  // (8 KiB at 7). Wider tables need fewer additions per verification and take longer to build.
  int wnaf_width = 7;
};

struct KeyTableCacheStats {
  std::size_t tables = 0;    // keys with a table now
  std::size_t bytes = 0;     // memory their tables take
  std::uint64_t hits = 0;    // verifications that found a table
  std::uint64_t misses = 0;  // verifications that did not
  std::uint64_t builds = 0;  // tables built
  std::uint64_t evictions = 0;
};

class KeyTableCache {
 public:
  explicit KeyTableCache(const KeyTableCacheOptions& options = {});
  KeyTableCache(const KeyTableCache&) = delete;
  KeyTableCache& operator=(const KeyTableCache&) = delete;

  // Counts a verification under `key` and returns its table: the cached one, a new one when the
  // key has now been seen uses_before_table times, or null. `point` is `key` as a validated
  // affine point (the caller has parsed it).
  std::shared_ptr<const ChunkTables> acquire(const Point64& key, const Aff& point);

  KeyTableCacheStats stats() const;

 private:
  struct Cached {
    Point64 key;
    std::shared_ptr<const ChunkTables> tables;
  };
  struct Candidate {
    Point64 key;
    std::uint32_t uses;
  };

  void insert_locked(const Point64& key, std::shared_ptr<const ChunkTables> tables);

  const KeyTableCacheOptions options_;
  const std::size_t table_bytes_;
  mutable std::mutex mu_;
  std::list<Cached> cached_;  // most recently used first
  std::map<Point64, std::list<Cached>::iterator> cached_index_;
  std::list<Candidate> candidates_;  // most recently seen first
  std::map<Point64, std::list<Candidate>::iterator> candidate_index_;
  KeyTableCacheStats stats_;
};

}  // namespace trestle::crypto::sm2fast
