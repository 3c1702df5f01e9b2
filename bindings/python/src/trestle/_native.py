"""ctypes declarations of libtrestle_c and the calling conventions of trestle.h.

Private: the rest of the package goes through call(), output() and the handle helpers here.

The library is looked up, in order, at $TRESTLE_C_LIBRARY, next to this file (where
`pip install` puts it) and on the system's library path.
"""

import ctypes
import ctypes.util
import os
import pathlib

from . import errors

OK = 0
ERR_NULL_ARGUMENT = 9
ERR_BUFFER_TOO_SMALL = 10
ERR_NO_MEMORY = 11

SUITES = {"sm": 0, "ecdsa": 1}
KEY_TYPES = {"sm2": 0, "secp256k1": 1}
HASHES = {"sm3": 0, "sha256": 1, "keccak256": 2}
AEADS = {"sm4-gcm": 0, "aes-256-gcm": 1}
SM2_FORMATS = {"c1c3c2": 0, "der": 1}

_ERRORS = {
    1: errors.InvalidArgumentError,
    2: errors.LimitExceededError,
    3: errors.NotFoundError,
    4: errors.AuthenticationError,
    5: errors.StorageError,
    6: errors.CorruptError,
    7: errors.UnsupportedError,
    8: errors.InternalError,
    ERR_NULL_ARGUMENT: errors.InvalidArgumentError,
}


def _load():
    candidates = []
    override = os.environ.get("TRESTLE_C_LIBRARY")
    if override:
        candidates.append(override)
    bundled = pathlib.Path(__file__).with_name("libtrestle_c.so")
    if bundled.exists():
        candidates.append(str(bundled))
    system = ctypes.util.find_library("trestle_c")
    if system:
        candidates.append(system)
    if not candidates:
        raise ImportError(
            "libtrestle_c.so not found: install the package with pip (it bundles the library), "
            "or set TRESTLE_C_LIBRARY to the path of a libtrestle_c.so"
        )
    return ctypes.CDLL(candidates[0])


lib = _load()

_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_B = ctypes.c_char_p
_S = ctypes.c_size_t
_SP = ctypes.POINTER(ctypes.c_size_t)
_I = ctypes.c_int
_IP = ctypes.POINTER(ctypes.c_int)
_U32 = ctypes.c_uint32
_U64 = ctypes.c_uint64
_U64P = ctypes.POINTER(ctypes.c_uint64)

_PROTOTYPES = {
    "trestle_version": (ctypes.c_char_p, []),
    "trestle_last_error": (ctypes.c_char_p, []),
    "trestle_error_name": (ctypes.c_char_p, [_I]),
    "trestle_hash": (_I, [_I, _B, _S, _B, _SP]),
    "trestle_hmac": (_I, [_I, _B, _S, _B, _S, _B, _SP]),
    "trestle_hasher_new": (_I, [_I, _PP]),
    "trestle_hasher_update": (_I, [_P, _B, _S]),
    "trestle_hasher_finish": (_I, [_P, _B, _SP]),
    "trestle_hasher_free": (None, [_P]),
    "trestle_private_key_generate": (_I, [_I, _PP]),
    "trestle_private_key_from_bytes": (_I, [_I, _B, _S, _PP]),
    "trestle_private_key_from_pem": (_I, [_B, _S, _PP]),
    "trestle_private_key_from_keystore": (_I, [_B, _S, _B, _S, _PP]),
    "trestle_private_key_to_pem": (_I, [_P, _B, _SP]),
    "trestle_private_key_to_keystore": (_I, [_P, _B, _S, _U64, _B, _SP]),
    "trestle_private_key_secret": (_I, [_P, _B, _SP]),
    "trestle_private_key_type": (_I, [_P, _IP]),
    "trestle_private_key_public_key": (_I, [_P, _PP]),
    "trestle_private_key_free": (None, [_P]),
    "trestle_public_key_from_bytes": (_I, [_I, _B, _S, _PP]),
    "trestle_public_key_from_pem": (_I, [_B, _S, _PP]),
    "trestle_public_key_to_pem": (_I, [_P, _B, _SP]),
    "trestle_public_key_to_bytes": (_I, [_P, _I, _B, _SP]),
    "trestle_public_key_type": (_I, [_P, _IP]),
    "trestle_public_key_address": (_I, [_P, _I, _B, _SP]),
    "trestle_public_key_free": (None, [_P]),
    "trestle_sign": (_I, [_I, _P, _B, _S, _B, _SP]),
    "trestle_sign_digest": (_I, [_I, _P, _B, _S, _B, _SP]),
    "trestle_verify": (_I, [_I, _P, _B, _S, _B, _S, _IP]),
    "trestle_verify_digest": (_I, [_I, _P, _B, _S, _B, _S, _IP]),
    "trestle_recover": (_I, [_I, _B, _S, _B, _S, _PP]),
    "trestle_secp256k1_recover_digest": (_I, [_B, _S, _B, _S, _PP]),
    "trestle_secp256k1_verify_digest_der": (_I, [_P, _B, _S, _B, _S, _IP]),
    "trestle_sm2_sign": (_I, [_P, _B, _S, _B, _S, _B, _SP]),
    "trestle_sm2_verify": (_I, [_P, _B, _S, _B, _S, _B, _S, _IP]),
    "trestle_signature_to_der": (_I, [_I, _B, _S, _B, _SP]),
    "trestle_sm2_signature_from_der": (_I, [_B, _S, _B, _SP]),
    "trestle_sm2_encrypt": (_I, [_P, _I, _B, _S, _B, _SP]),
    "trestle_sm2_decrypt": (_I, [_P, _I, _B, _S, _B, _SP]),
    "trestle_aead_encrypt": (_I, [_I, _B, _S, _B, _S, _B, _S, _B, _S, _B, _SP]),
    "trestle_aead_decrypt": (_I, [_I, _B, _S, _B, _S, _B, _S, _B, _S, _B, _SP]),
    "trestle_sm4_cbc_encrypt": (_I, [_B, _S, _B, _S, _B, _S, _B, _SP]),
    "trestle_sm4_cbc_decrypt": (_I, [_B, _S, _B, _S, _B, _S, _B, _SP]),
    "trestle_sm4_ctr": (_I, [_B, _S, _B, _S, _B, _S, _B, _SP]),
    "trestle_tx_new": (_I, [_PP]),
    "trestle_tx_decode": (_I, [_B, _S, _PP]),
    "trestle_tx_free": (None, [_P]),
    "trestle_tx_set_bytes": (_I, [_P, _I, _B, _S]),
    "trestle_tx_get_bytes": (_I, [_P, _I, _B, _SP]),
    "trestle_tx_set_u64": (_I, [_P, _I, _U64]),
    "trestle_tx_get_u64": (_I, [_P, _I, _U64P]),
    "trestle_tx_sign": (_I, [_P, _I, _P]),
    "trestle_tx_verify": (_I, [_P, _I, _B, _SP]),
    "trestle_tx_hash": (_I, [_P, _I, _B, _SP]),
    "trestle_tx_encode": (_I, [_P, _B, _SP]),
    "trestle_tx_to_json": (_I, [_P, _I, _B, _SP]),
    "trestle_block_decode_json": (_I, [_I, _B, _S, _B, _SP]),
    "trestle_header_decode_json": (_I, [_I, _B, _S, _B, _SP]),
    "trestle_receipt_decode_json": (_I, [_I, _B, _S, _B, _SP]),
    "trestle_verify_transaction_proof": (_I, [_I, _B, _S, _B, _S, _B, _S, _IP]),
    "trestle_verify_receipt_proof": (_I, [_I, _B, _S, _B, _S, _B, _S, _IP]),
    "trestle_store_open": (_I, [_B, _PP]),
    "trestle_store_close": (None, [_P]),
    "trestle_store_suite": (_I, [_P, _IP]),
    "trestle_store_chain_id": (_I, [_P, _B, _SP]),
    "trestle_store_tip": (_I, [_P, _U64P]),
    "trestle_store_header": (_I, [_P, _U64, _B, _SP]),
    "trestle_store_block": (_I, [_P, _U64, _B, _SP]),
    "trestle_store_block_json": (_I, [_P, _U64, _B, _SP]),
    "trestle_store_transaction_at": (_I, [_P, _U64, _U32, _B, _SP]),
    "trestle_store_transaction": (_I, [_P, _B, _S, _B, _SP]),
    "trestle_store_receipt": (_I, [_P, _B, _S, _B, _SP]),
    "trestle_store_transaction_proof": (_I, [_P, _B, _S, _I, _B, _SP]),
}

for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes


def error_for(code):
    """The exception for a C result code, with this thread's last-error message."""
    message = lib.trestle_last_error().decode("utf-8", "replace")
    if code == ERR_NO_MEMORY:
        return MemoryError(message)
    kind = _ERRORS.get(code, errors.TrestleError)
    return kind(message or lib.trestle_error_name(code).decode())


def check(code):
    if code != OK:
        raise error_for(code)


def call(name, *args):
    """Calls a C function that returns a result code; raises on an error."""
    check(getattr(lib, name)(*args))


def output(name, *args, size_hint=64, secret=False):
    """Calls a function whose last two parameters are (out, out_len) and returns the bytes written.

    Starts with a buffer of size_hint bytes and retries once with the size the library asks for.
    A secret output's ctypes buffer is zeroed after the copy (the returned bytes object cannot be
    wiped: Python gives no control over copies of immutable objects).
    """
    function = getattr(lib, name)
    capacity = size_hint
    while True:
        buffer = ctypes.create_string_buffer(capacity) if capacity > 0 else None
        length = ctypes.c_size_t(capacity)
        code = function(*args, buffer, ctypes.byref(length))
        try:
            if code == ERR_BUFFER_TOO_SMALL and length.value > capacity:
                capacity = length.value
                continue
            check(code)
            return buffer.raw[: length.value] if buffer is not None else b""
        finally:
            if secret and buffer is not None:
                ctypes.memset(buffer, 0, capacity)


def text_output(name, *args, size_hint=256):
    """As output(), for NUL-terminated text: returns str without the NUL."""
    return output(name, *args, size_hint=size_hint)[:-1].decode("utf-8")


def new_handle(name, *args):
    """Calls a constructor whose last parameter is `T** out`; returns the handle as an int."""
    handle = ctypes.c_void_p()
    call(name, *args, ctypes.byref(handle))
    return handle.value


def flag(name, *args):
    """Calls a function whose last parameter is `int* valid`; returns it as a bool."""
    value = ctypes.c_int(0)
    call(name, *args, ctypes.byref(value))
    return value.value == 1


def as_bytes(data, what="data"):
    """Accepts bytes-like input (bytes, bytearray, memoryview); str is refused, not guessed at."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{what} must be bytes, not {type(data).__name__}")


def code_of(table, name, what):
    try:
        return table[name]
    except KeyError:
        accepted = ", ".join(sorted(table))
        raise errors.InvalidArgumentError(f"unknown {what} {name!r} (accepted: {accepted})") from None
