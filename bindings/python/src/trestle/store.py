"""A ledger data directory opened read-only (a running node may hold it open meanwhile)."""

import ctypes
import json
import os
import weakref

from . import _native
from ._native import as_bytes, lib
from .errors import NotFoundError
from .ledger import InclusionProof, Transaction

__all__ = ["Store"]

_HEADER, _TRANSACTION, _RECEIPT, _TRANSACTION_PATH, _RECEIPT_PATH = range(5)


def _hash(tx_hash):
    if isinstance(tx_hash, str):
        return bytes.fromhex(tx_hash[2:] if tx_hash.startswith(("0x", "0X")) else tx_hash)
    return as_bytes(tx_hash, "tx_hash")


class Store:
    """Reads blocks, transactions, receipts and proofs. Use as a context manager, or close()."""

    def __init__(self, path):
        self._handle = _native.new_handle("trestle_store_open", os.fsencode(path))
        self._finalizer = weakref.finalize(self, lib.trestle_store_close, self._handle)

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _live(self):
        if not self._finalizer.alive:
            raise ValueError("the store is closed")
        return self._handle

    @property
    def suite(self):
        value = ctypes.c_int(-1)
        _native.call("trestle_store_suite", self._live(), ctypes.byref(value))
        return "sm" if value.value == _native.SUITES["sm"] else "ecdsa"

    @property
    def chain_id(self):
        return _native.text_output("trestle_store_chain_id", self._live(), size_hint=80)

    @property
    def tip_height(self):
        """The latest height, or None for an empty store."""
        value = ctypes.c_uint64(0)
        try:
            _native.call("trestle_store_tip", self._live(), ctypes.byref(value))
        except NotFoundError:
            return None
        return value.value

    def header(self, height):
        """The header encoding at height (NotFoundError past the tip)."""
        return _native.output("trestle_store_header", self._live(), height, size_hint=1024)

    def block(self, height):
        """The block encoding at height."""
        return _native.output("trestle_store_block", self._live(), height, size_hint=65536)

    def block_json(self, height):
        return json.loads(_native.text_output("trestle_store_block_json", self._live(), height, size_hint=65536))

    def transactions(self, height):
        """The transactions of the block at height, in order."""
        handle = self._live()
        self.header(height)  # NotFoundError past the tip
        found = []
        while True:
            try:
                encoded = _native.output("trestle_store_transaction_at", handle, height, len(found), size_hint=1024)
            except NotFoundError:
                return found
            found.append(Transaction.decode(encoded))

    def transaction(self, tx_hash):
        """A committed transaction by hash (bytes or hex); NotFoundError when unknown."""
        tx_hash = _hash(tx_hash)
        return Transaction.decode(_native.output("trestle_store_transaction", self._live(), tx_hash, len(tx_hash),
                                                 size_hint=1024))

    def receipt(self, tx_hash):
        """The receipt encoding of a committed transaction (decode it with decode_receipt)."""
        tx_hash = _hash(tx_hash)
        return _native.output("trestle_store_receipt", self._live(), tx_hash, len(tx_hash), size_hint=1024)

    def transaction_proof(self, tx_hash):
        """An InclusionProof for a committed transaction and its receipt."""
        tx_hash = _hash(tx_hash)
        handle = self._live()

        def part(code):
            return _native.output("trestle_store_transaction_proof", handle, tx_hash, len(tx_hash), code,
                                  size_hint=1024)

        return InclusionProof(header=part(_HEADER), transaction=part(_TRANSACTION),
                              transaction_proof=part(_TRANSACTION_PATH), receipt=part(_RECEIPT),
                              receipt_proof=part(_RECEIPT_PATH))
