"""Trestle for Python: SM2/SM3/SM4 and secp256k1 crypto, transactions, blocks, Merkle proofs,
read-only ledger access and a JSON-RPC client, over Trestle's C API (libtrestle_c, via ctypes).

    import trestle
    key = trestle.crypto.SM2PrivateKey.generate()
    tx = trestle.Transaction(chain_id="chain0", block_limit=100, payload=b"hello").sign(key)
    encoded = tx.encode()
"""

from . import crypto, errors, ledger, rpc, store
from ._native import lib as _lib
from .errors import (AuthenticationError, CorruptError, InternalError, InvalidArgumentError, LimitExceededError,
                     NotFoundError, RpcError, StorageError, TrestleError, UnsupportedError)
from .ledger import (InclusionProof, Transaction, decode_block, decode_header, decode_receipt,
                     verify_receipt_proof, verify_transaction_proof)
from .rpc import RpcClient
from .store import Store

__version__ = "0.1.0"


def library_version():
    """The version of the libtrestle_c in use."""
    return _lib.trestle_version().decode()


__all__ = [
    "crypto", "errors", "ledger", "rpc", "store", "library_version",
    "Transaction", "InclusionProof", "decode_block", "decode_header", "decode_receipt",
    "verify_transaction_proof", "verify_receipt_proof", "RpcClient", "Store",
    "TrestleError", "InvalidArgumentError", "LimitExceededError", "NotFoundError", "AuthenticationError",
    "StorageError", "CorruptError", "UnsupportedError", "InternalError", "RpcError",
]
