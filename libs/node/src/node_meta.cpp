#include "node_meta.hpp"

#include <lmdb.h>

#include <string>
#include <system_error>

namespace trestle::node::detail {
namespace {

Error lmdb_error(const std::string& what, int rc) {
  return Error(rc == MDB_MAP_FULL ? ErrorCode::kLimitExceeded : ErrorCode::kIo,
               "node metadata: " + what + ": " + mdb_strerror(rc));
}

std::array<std::uint8_t, 8> height_key(std::uint64_t height) {
  std::array<std::uint8_t, 8> key{};
  for (int i = 7; i >= 0; --i) {
    key[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(height);
    height >>= 8;
  }
  return key;
}

constexpr std::string_view kEngineStateKey = "engine_state";

}  // namespace

struct NodeMeta::Impl {
  MDB_env* env = nullptr;
  MDB_dbi engine = 0;
  MDB_dbi rounds = 0;

  ~Impl() {
    if (env != nullptr) mdb_env_close(env);
  }

  Status put(MDB_dbi dbi, ByteView key, ByteView value, const char* what) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0) return lmdb_error(what, rc);
    MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
    MDB_val v{value.size(), const_cast<std::uint8_t*>(value.data())};
    if (int rc = mdb_put(txn, dbi, &k, &v, 0); rc != 0) {
      mdb_txn_abort(txn);
      return lmdb_error(what, rc);
    }
    if (int rc = mdb_txn_commit(txn); rc != 0) return lmdb_error(what, rc);
    return {};
  }

  Result<std::optional<Bytes>> get(MDB_dbi dbi, ByteView key, const char* what) const {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != 0) return lmdb_error(what, rc);
    MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
    MDB_val v{};
    int rc = mdb_get(txn, dbi, &k, &v);
    std::optional<Bytes> out;
    if (rc == 0) {
      const auto* data = static_cast<const std::uint8_t*>(v.mv_data);
      out = Bytes(data, data + v.mv_size);
    }
    mdb_txn_abort(txn);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(what, rc);
    return out;
  }
};

NodeMeta::NodeMeta(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NodeMeta::~NodeMeta() = default;

Result<std::unique_ptr<NodeMeta>> NodeMeta::open(const std::filesystem::path& dir, bool sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::kIo, "node metadata: cannot create " + dir.string() + ": " + ec.message());
  auto impl = std::make_unique<Impl>();
  if (int rc = mdb_env_create(&impl->env); rc != 0) return lmdb_error("create environment", rc);
  mdb_env_set_maxdbs(impl->env, 4);
  // Engine state is a few KiB and rounds 16 bytes per block: 1 GiB of map is decades of blocks.
  mdb_env_set_mapsize(impl->env, std::size_t{1} << 30);
  const unsigned flags = MDB_NOTLS | (sync ? 0u : MDB_NOSYNC);
  if (int rc = mdb_env_open(impl->env, dir.c_str(), flags, 0600); rc != 0) {
    return lmdb_error("open " + dir.string(), rc);
  }
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl->env, nullptr, 0, &txn); rc != 0) return lmdb_error("open databases", rc);
  int rc = mdb_dbi_open(txn, "engine", MDB_CREATE, &impl->engine);
  if (rc == 0) rc = mdb_dbi_open(txn, "rounds", MDB_CREATE, &impl->rounds);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_error("open databases", rc);
  }
  if (rc = mdb_txn_commit(txn); rc != 0) return lmdb_error("open databases", rc);
  return std::unique_ptr<NodeMeta>(new NodeMeta(std::move(impl)));
}

Status NodeMeta::put_engine_state(ByteView state) {
  return impl_->put(impl_->engine, as_bytes(kEngineStateKey), state, "store engine state");
}

Result<std::optional<Bytes>> NodeMeta::engine_state() const {
  return impl_->get(impl_->engine, as_bytes(kEngineStateKey), "read engine state");
}

Status NodeMeta::put_round(std::uint64_t height, std::uint64_t round) {
  const auto key = height_key(height);
  const auto value = height_key(round);
  return impl_->put(impl_->rounds, ByteView(key), ByteView(value), "store certificate round");
}

Result<std::optional<std::uint64_t>> NodeMeta::round(std::uint64_t height) const {
  const auto key = height_key(height);
  TRESTLE_TRY(auto value, impl_->get(impl_->rounds, ByteView(key), "read certificate round"));
  if (!value) return std::optional<std::uint64_t>();
  if (value->size() != 8) return Error(ErrorCode::kCorrupt, "node metadata: round of a block is not 8 bytes");
  std::uint64_t round = 0;
  for (std::uint8_t byte : *value) round = (round << 8) | byte;
  return std::optional<std::uint64_t>(round);
}

}  // namespace trestle::node::detail
