"""Exceptions raised by the trestle package.

Every error of the C library becomes a subclass of TrestleError carrying the library's message
and its code name ("invalid_argument", "auth_failed", ...). Where a standard exception fits, the
class also derives from it, so `except ValueError` catches malformed input.
"""


class TrestleError(Exception):
    """An error reported by Trestle. `code` is the stable lower-case name of its kind."""

    code = "error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidArgumentError(TrestleError, ValueError):
    """Malformed or out-of-range input (a bad key, encoding, size or name)."""

    code = "invalid_argument"


class LimitExceededError(TrestleError, ValueError):
    """A size or count limit was exceeded."""

    code = "limit_exceeded"


class NotFoundError(TrestleError, LookupError):
    """No such block, transaction or store."""

    code = "not_found"


class AuthenticationError(TrestleError):
    """A tag, password or signature did not check out."""

    code = "auth_failed"


class StorageError(TrestleError, OSError):
    """A file operation failed."""

    code = "io"


class CorruptError(TrestleError):
    """Stored data is inconsistent."""

    code = "corrupt"


class UnsupportedError(TrestleError):
    """Valid input that this build cannot handle (e.g. recovering a key from an SM2 signature)."""

    code = "unsupported"


class InternalError(TrestleError):
    """A bug or an unexpected failure of a dependency."""

    code = "internal"


class RpcError(TrestleError):
    """A JSON-RPC error object returned by a node: `rpc_code`, `message` and optional `data`."""

    code = "rpc"

    def __init__(self, message, rpc_code=None, data=None):
        super().__init__(message)
        self.rpc_code = rpc_code
        self.data = data
