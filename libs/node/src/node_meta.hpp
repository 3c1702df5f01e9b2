#pragma once
// NodeMeta: the node's own durable records beside the block store, in a small LMDB environment
// (data_dir/node): the consensus engine's state blob and the round of each block's commit
// certificate (by height). docs/node.md explains why they are not in the block store.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::node::detail {

class NodeMeta {
 public:
  // Opens or creates the environment in `dir`. `sync`: fsync on each write.
  static Result<std::unique_ptr<NodeMeta>> open(const std::filesystem::path& dir, bool sync);
  ~NodeMeta();
  NodeMeta(const NodeMeta&) = delete;
  NodeMeta& operator=(const NodeMeta&) = delete;

  Status put_engine_state(ByteView state);
  Result<std::optional<Bytes>> engine_state() const;
  Status put_round(std::uint64_t height, std::uint64_t round);
  Result<std::optional<std::uint64_t>> round(std::uint64_t height) const;

 private:
  struct Impl;
  explicit NodeMeta(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trestle::node::detail
