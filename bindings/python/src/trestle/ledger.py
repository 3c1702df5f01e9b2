"""Transactions, blocks, receipts and Merkle inclusion proofs.

A Transaction is a plain dataclass; sign(), encode(), hash() and verify() go through the C
library, so the encoding is byte for byte what a Trestle node decodes.
"""

import contextlib
import ctypes
import dataclasses
import json
import os
import time
import typing

from . import _native
from ._native import as_bytes, code_of, lib
from .crypto import PrivateKey

__all__ = ["Transaction", "InclusionProof", "decode_block", "decode_header", "decode_receipt",
           "verify_transaction_proof", "verify_receipt_proof"]

_CHAIN_ID, _GROUP_ID, _NONCE, _TARGET, _PAYLOAD, _SENDER, _SIGNATURE = range(7)
_BLOCK_LIMIT, _TIMESTAMP_MS = range(2)


def _suite(suite):
    return code_of(_native.SUITES, suite, "suite")


def _text_bytes(value, what):
    # Chain and group ids are bytes on the wire; surrogateescape keeps non-UTF-8 ids exact.
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return as_bytes(value, what)


@contextlib.contextmanager
def _borrowed(handle):
    try:
        yield handle
    finally:
        lib.trestle_tx_free(handle)


def _now_ms():
    return int(time.time() * 1000)


@dataclasses.dataclass
class Transaction:
    """A transaction for a chain. `nonce` defaults to 16 random bytes and `timestamp_ms` to now;
    `target` is a 20-byte address or None; sign() fills `sender` and `signature`."""

    chain_id: str
    group_id: str = "group0"
    nonce: bytes = dataclasses.field(default_factory=lambda: os.urandom(16))
    block_limit: int = 0
    target: typing.Optional[bytes] = None
    payload: bytes = b""
    timestamp_ms: int = dataclasses.field(default_factory=_now_ms)
    sender: bytes = b""
    signature: bytes = b""

    def _handle(self):
        handle = _native.new_handle("trestle_tx_new")
        try:
            for field, value, what in (
                (_CHAIN_ID, _text_bytes(self.chain_id, "chain_id"), "chain_id"),
                (_GROUP_ID, _text_bytes(self.group_id, "group_id"), "group_id"),
                (_NONCE, self.nonce, "nonce"),
                (_TARGET, b"" if self.target is None else self.target, "target"),
                (_PAYLOAD, self.payload, "payload"),
                (_SENDER, self.sender, "sender"),
                (_SIGNATURE, self.signature, "signature"),
            ):
                value = as_bytes(value, what)
                _native.call("trestle_tx_set_bytes", handle, field, value, len(value))
            _native.call("trestle_tx_set_u64", handle, _BLOCK_LIMIT, self.block_limit)
            _native.call("trestle_tx_set_u64", handle, _TIMESTAMP_MS, self.timestamp_ms)
        except BaseException:
            lib.trestle_tx_free(handle)
            raise
        return _borrowed(handle)

    @classmethod
    def _from_handle(cls, handle):
        def field(code):
            return _native.output("trestle_tx_get_bytes", handle, code, size_hint=128)

        def number(code):
            value = ctypes.c_uint64(0)
            _native.call("trestle_tx_get_u64", handle, code, ctypes.byref(value))
            return value.value

        target = field(_TARGET)
        return cls(chain_id=field(_CHAIN_ID).decode("utf-8", "surrogateescape"),
                   group_id=field(_GROUP_ID).decode("utf-8", "surrogateescape"), nonce=field(_NONCE),
                   block_limit=number(_BLOCK_LIMIT), target=target or None, payload=field(_PAYLOAD),
                   timestamp_ms=number(_TIMESTAMP_MS), sender=field(_SENDER), signature=field(_SIGNATURE))

    @classmethod
    def decode(cls, encoded):
        """Strict decoding of a canonical encoding (trailing bytes, bad lengths: ValueError)."""
        encoded = as_bytes(encoded, "encoded")
        handle = _native.new_handle("trestle_tx_decode", encoded, len(encoded))
        with _borrowed(handle):
            return cls._from_handle(handle)

    def sign(self, key, suite=None):
        """Signs with key in its suite (or `suite`): sets sender and signature. Returns self."""
        if not isinstance(key, PrivateKey):
            raise TypeError(f"key must be a trestle.crypto private key, not {type(key).__name__}")
        with self._handle() as handle:
            _native.call("trestle_tx_sign", handle, _suite(suite or key.suite), key._handle)
            signed = Transaction._from_handle(handle)
        self.sender, self.signature = signed.sender, signed.signature
        return self

    def encode(self):
        """The canonical encoding: what a node's sendTransaction takes (hex-encoded)."""
        with self._handle() as handle:
            return _native.output("trestle_tx_encode", handle, size_hint=512 + len(self.payload))

    def hash(self, suite):
        """The transaction hash (32 bytes): the suite hash of the encoding without the signature."""
        with self._handle() as handle:
            return _native.output("trestle_tx_hash", handle, _suite(suite), size_hint=32)

    def verify(self, suite):
        """Checks the signature; returns the sender's 20-byte address or raises AuthenticationError."""
        with self._handle() as handle:
            return _native.output("trestle_tx_verify", handle, _suite(suite), size_hint=20)

    def to_json(self, suite):
        """The fields as a dict (hex strings), with "hash", "sender_address" and "signature_valid"."""
        with self._handle() as handle:
            return json.loads(_native.text_output("trestle_tx_to_json", handle, _suite(suite), size_hint=2048))


def _decode_json(function, suite, encoded):
    encoded = as_bytes(encoded, "encoded")
    return json.loads(_native.text_output(function, _suite(suite), encoded, len(encoded),
                                          size_hint=4 * len(encoded) + 1024))


def decode_block(encoded, suite):
    """A block encoding as {"header": {...}, "transactions": [...]}."""
    return _decode_json("trestle_block_decode_json", suite, encoded)


def decode_header(encoded, suite):
    return _decode_json("trestle_header_decode_json", suite, encoded)


def decode_receipt(encoded, suite):
    return _decode_json("trestle_receipt_decode_json", suite, encoded)


def _encoded(value, what):
    return value.encode() if isinstance(value, Transaction) else as_bytes(value, what)


def verify_transaction_proof(suite, header, transaction, proof):
    """True when proof (a Merkle proof encoding) places transaction (a Transaction or its
    encoding) in the block of header (a header encoding). ValueError when an encoding is bad."""
    header, transaction, proof = as_bytes(header, "header"), _encoded(transaction, "transaction"), as_bytes(proof, "proof")
    return _native.flag("trestle_verify_transaction_proof", _suite(suite), header, len(header), transaction,
                        len(transaction), proof, len(proof))


def verify_receipt_proof(suite, header, receipt, proof):
    """The same for a receipt encoding against the header's receipt root."""
    header, receipt, proof = as_bytes(header, "header"), as_bytes(receipt, "receipt"), as_bytes(proof, "proof")
    return _native.flag("trestle_verify_receipt_proof", _suite(suite), header, len(header), receipt, len(receipt),
                        proof, len(proof))


@dataclasses.dataclass
class InclusionProof:
    """What a light client needs to check that a transaction and its receipt are in a block:
    encodings of the header, transaction and receipt and the two Merkle proofs."""

    header: bytes
    transaction: bytes
    transaction_proof: bytes
    receipt: typing.Optional[bytes] = None
    receipt_proof: typing.Optional[bytes] = None

    @classmethod
    def from_json(cls, document):
        """From a dict of hex strings with these field names (a node's proof answer)."""
        def field(name, required=True):
            value = document.get(name)
            if value is None:
                if required:
                    raise _native.errors.InvalidArgumentError(f"proof: missing field {name!r}")
                return None
            try:
                return bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
            except (AttributeError, ValueError):
                raise _native.errors.InvalidArgumentError(f"proof: field {name!r} is not hex") from None

        return cls(header=field("header"), transaction=field("transaction"),
                   transaction_proof=field("transaction_proof"), receipt=field("receipt", False),
                   receipt_proof=field("receipt_proof", False))

    def verify(self, suite):
        """True when the transaction, and the receipt if present, are proven in the header."""
        if not verify_transaction_proof(suite, self.header, self.transaction, self.transaction_proof):
            return False
        if self.receipt is None and self.receipt_proof is None:
            return True
        if self.receipt is None or self.receipt_proof is None:
            return False
        return verify_receipt_proof(suite, self.header, self.receipt, self.receipt_proof)
