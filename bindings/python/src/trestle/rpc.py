"""A JSON-RPC 2.0 client for a Trestle node (the reference node's methods, over HTTP).

Hashes and encodings travel as lower-case hex strings without 0x; methods that take a hash
accept bytes or hex. Results are returned as the node sends them (parsed JSON). A JSON-RPC error
object raises RpcError; a transport failure raises OSError (urllib's URLError is one).
"""

import itertools
import json
import time
import urllib.error
import urllib.request

from . import errors
from .ledger import InclusionProof, Transaction

__all__ = ["RpcClient"]

# Larger answers are refused rather than read into memory (a block with many transactions is a
# few MiB of JSON).
RESPONSE_SIZE_MAX_BYTES = 64 << 20


def _hex(value):
    if isinstance(value, str):
        return value[2:] if value.startswith(("0x", "0X")) else value
    return bytes(value).hex()


def _error_object(raw):
    try:
        answer = json.loads(raw)
    except ValueError:
        return None
    error = answer.get("error") if isinstance(answer, dict) else None
    return error if isinstance(error, dict) else None


class RpcClient:
    """Calls one node. Not thread-safe (request ids); use one client per thread."""

    def __init__(self, url, timeout_s=10.0):
        if not url.startswith(("http://", "https://")):
            raise errors.InvalidArgumentError(f"RPC URL must start with http:// or https://, got {url!r}")
        self.url = url
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)

    def call(self, method, *params):
        """Sends one request and returns its "result"; raises RpcError for an error object."""
        request_id = next(self._ids)
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"},
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read(RESPONSE_SIZE_MAX_BYTES + 1)
        except urllib.error.HTTPError as failure:
            # A node may answer a bad request with an HTTP error status and a JSON-RPC error
            # object; that object says more than the status. Anything else stays an OSError.
            error = _error_object(failure.read(RESPONSE_SIZE_MAX_BYTES + 1))
            if error is None:
                raise
            raise errors.RpcError(f"{method}: {error.get('message', 'error')} (HTTP {failure.code})",
                                  rpc_code=error.get("code"), data=error.get("data")) from None
        if len(raw) > RESPONSE_SIZE_MAX_BYTES:
            raise errors.LimitExceededError(f"{method}: response over {RESPONSE_SIZE_MAX_BYTES} bytes")
        try:
            answer = json.loads(raw)
        except ValueError as error:
            raise errors.RpcError(f"{method}: the node's answer is not JSON: {error}") from None
        if not isinstance(answer, dict) or answer.get("id") != request_id:
            raise errors.RpcError(f"{method}: the answer is not a JSON-RPC response to request {request_id}")
        if answer.get("error") is not None:
            error = answer["error"]
            if not isinstance(error, dict):
                raise errors.RpcError(f"{method}: malformed error object: {error!r}")
            raise errors.RpcError(f"{method}: {error.get('message', 'error')}", rpc_code=error.get("code"),
                                  data=error.get("data"))
        if "result" not in answer:
            raise errors.RpcError(f"{method}: the answer has neither result nor error")
        return answer["result"]

    def send_transaction(self, transaction):
        """Submits a signed transaction (a Transaction or its encoding); returns the node's answer,
        the transaction hash as hex."""
        encoded = transaction.encode() if isinstance(transaction, Transaction) else transaction
        return self.call("sendTransaction", _hex(encoded))

    def get_transaction(self, tx_hash):
        return self.call("getTransaction", _hex(tx_hash))

    def get_transaction_receipt(self, tx_hash):
        """The receipt, or None while the transaction is not committed."""
        return self.call("getTransactionReceipt", _hex(tx_hash))

    def get_transaction_proof(self, tx_hash):
        """An InclusionProof from the node's answer (hex fields header, transaction,
        transaction_proof, and optionally receipt, receipt_proof)."""
        return InclusionProof.from_json(self.call("getTransactionProof", _hex(tx_hash)))

    def get_receipt_proof(self, tx_hash):
        return self.call("getReceiptProof", _hex(tx_hash))

    def get_block_by_number(self, height, include_transactions=False):
        return self.call("getBlockByNumber", int(height), bool(include_transactions))

    def get_block_by_hash(self, block_hash, include_transactions=False):
        return self.call("getBlockByHash", _hex(block_hash), bool(include_transactions))

    def get_block_number(self):
        """The node's latest height."""
        return int(self.call("getBlockNumber"))

    def get_state(self, table, key):
        """A value of the application state, by table name and key (bytes or hex)."""
        return self.call("getState", table, _hex(key))

    def get_peers(self):
        return self.call("getPeers")

    def get_sealers(self):
        return self.call("getSealers")

    def get_sync_status(self):
        return self.call("getSyncStatus")

    def get_node_info(self):
        return self.call("getNodeInfo")

    def wait_for_receipt(self, tx_hash, timeout_s=30.0, poll_interval_s=0.2):
        """Polls getTransactionReceipt until the receipt exists; TimeoutError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            receipt = self.get_transaction_receipt(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no receipt for {_hex(tx_hash)} after {timeout_s} s")
            time.sleep(poll_interval_s)
