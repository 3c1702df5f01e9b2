#include "lmdb_util.hpp"

#include <cerrno>

namespace trestle::ledger::detail {

Error lmdb_error(int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Error(ErrorCode::kNotFound, std::move(message));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_BAD_DBI:
    case MDB_INCOMPATIBLE:
    case MDB_KEYEXIST:
      return Error(ErrorCode::kCorrupt, std::move(message));
    case MDB_VERSION_MISMATCH:
      return Error(ErrorCode::kUnsupported, std::move(message));
    case MDB_READERS_FULL:
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
      return Error(ErrorCode::kLimitExceeded, std::move(message));
    case MDB_PANIC:
      return Error(ErrorCode::kIo, std::move(message) + " (the store must be closed and reopened)");
    case ENOENT:
      return Error(ErrorCode::kNotFound, std::move(message));
    case EINVAL:
    case MDB_BAD_VALSIZE:
      return Error(ErrorCode::kInternal, std::move(message));
    default:
      return Error(ErrorCode::kIo, std::move(message));
  }
}

Bytes state_key(std::string_view table, ByteView key) {
  Bytes out;
  out.reserve(1 + table.size() + key.size());
  out.push_back(static_cast<std::uint8_t>(table.size()));
  append(out, as_bytes(table));
  append(out, key);
  return out;
}

}  // namespace trestle::ledger::detail
