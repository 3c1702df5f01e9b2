#include "key_cache.hpp"

#include <algorithm>
#include <utility>

namespace trestle::crypto::sm2fast {
namespace {

int clamp_width(int width) { return std::clamp(width, 4, 10); }

std::size_t table_bytes_for(int width) { return 4 * (std::size_t{1} << (width - 2)) * sizeof(Aff); }

}  // namespace

KeyTableCache::KeyTableCache(const KeyTableCacheOptions& options)
    : options_([&] {
        KeyTableCacheOptions o = options;
        o.wnaf_width = clamp_width(o.wnaf_width);
        o.uses_before_table = std::max<std::uint32_t>(o.uses_before_table, 1);
        return o;
      }()),
      table_bytes_(table_bytes_for(options_.wnaf_width)) {}

std::shared_ptr<const ChunkTables> KeyTableCache::acquire(const Point64& key, const Aff& point) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cached_index_.find(key); it != cached_index_.end()) {
      cached_.splice(cached_.begin(), cached_, it->second);
      ++stats_.hits;
      return it->second->tables;
    }
    ++stats_.misses;
    if (table_bytes_ > options_.bytes_max) return nullptr;
    std::uint32_t uses = 1;
    if (auto it = candidate_index_.find(key); it != candidate_index_.end()) {
      uses = it->second->uses + 1;
      if (uses < options_.uses_before_table) {
        it->second->uses = uses;
        candidates_.splice(candidates_.begin(), candidates_, it->second);
        return nullptr;
      }
      candidates_.erase(it->second);
      candidate_index_.erase(it);
    } else if (uses < options_.uses_before_table) {
      if (options_.candidates_max == 0) return nullptr;
      if (candidates_.size() >= options_.candidates_max) {
        candidate_index_.erase(candidates_.back().key);
        candidates_.pop_back();
      }
      candidates_.push_front(Candidate{key, uses});
      candidate_index_.emplace(key, candidates_.begin());
      return nullptr;
    }
  }
  // Built outside the lock: it takes as long as about two verifications. Two threads may build
  // the same key's table at once; the first to insert wins and the other's is used once.
  auto tables = std::make_shared<const ChunkTables>(build_chunk_tables(point, options_.wnaf_width));
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.builds;
  if (auto it = cached_index_.find(key); it != cached_index_.end()) return it->second->tables;
  insert_locked(key, tables);
  return tables;
}

void KeyTableCache::insert_locked(const Point64& key, std::shared_ptr<const ChunkTables> tables) {
  while (!cached_.empty() && (cached_.size() + 1) * table_bytes_ > options_.bytes_max) {
    cached_index_.erase(cached_.back().key);
    cached_.pop_back();
    ++stats_.evictions;
  }
  cached_.push_front(Cached{key, std::move(tables)});
  cached_index_.emplace(key, cached_.begin());
}

KeyTableCacheStats KeyTableCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  KeyTableCacheStats s = stats_;
  s.tables = cached_.size();
  s.bytes = cached_.size() * table_bytes_;
  return s;
}

}  // namespace trestle::crypto::sm2fast
