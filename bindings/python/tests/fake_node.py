"""A stand-in for a Trestle node's JSON-RPC interface, for the client and example tests until the
reference node exists: an HTTP server on 127.0.0.1 that accepts signed transactions, commits each
in a block of its own, and answers receipts and inclusion proofs.

The block header, receipt and Merkle proof encodings are written here by hand from the layouts in
libs/ledger/include/trestle/ledger/{block,receipt,merkle}.hpp, independently of the C++ encoder, so
a proof that verifies also checks that this package and those documents agree."""

import http.server
import json
import struct
import threading

import trestle
from trestle import crypto

_HASH = {"sm": crypto.sm3, "ecdsa": crypto.keccak256}


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_receipt(tx_hash, height, status=0, output=b""):
    return b"\x01" + tx_hash + struct.pack(">I", status) + varint(len(output)) + output + varint(0) + struct.pack(
        ">Q", height)


def encode_header(parent_hash, height, tx_root, receipt_root, tx_count=1):
    return (b"\x01" + parent_hash + struct.pack(">QQII", height, 1_700_000_000_000 + height, 0, tx_count) + tx_root +
            receipt_root + bytes(32) + bytes(32) + varint(0))


def encode_single_leaf_proof():
    # leaf 0 of a one-leaf tree: no siblings; the root is the leaf hash.
    return struct.pack(">QQ", 0, 1) + varint(0)


class FakeNode(http.server.ThreadingHTTPServer):
    """Serves JSON-RPC at http://127.0.0.1:PORT/. `tamper_proofs` makes proofs that must not verify;
    `receipt_delay_polls` answers null that many times before a receipt, as a node does before a
    commit."""

    daemon_threads = True

    def __init__(self, suite, receipt_delay_polls=1):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.suite = suite
        self.receipt_delay_polls = receipt_delay_polls
        self.tamper_proofs = False
        self.blocks = []  # (header, tx encoding, receipt encoding) per height
        self.by_hash = {}
        self.polls = {}
        self.requests = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def _leaf(self, data):
        return _HASH[self.suite](b"\x00" + data)

    def commit(self, encoded):
        tx = trestle.Transaction.decode(encoded)
        tx.verify(self.suite)
        tx_hash = tx.hash(self.suite)
        with self._lock:
            if tx_hash in self.by_hash:
                raise ValueError("transaction already committed")
            height = len(self.blocks)
            parent = _HASH[self.suite](self.blocks[-1][0][:-1]) if self.blocks else bytes(32)
            receipt = encode_receipt(tx_hash, height)
            header = encode_header(parent, height, self._leaf(encoded), self._leaf(receipt))
            self.blocks.append((header, encoded, receipt))
            self.by_hash[tx_hash] = height
        return tx_hash

    def dispatch(self, method, params):
        self.requests.append(method)
        if method == "sendTransaction":
            return self.commit(bytes.fromhex(params[0])).hex()
        if method == "getBlockNumber":
            return len(self.blocks) - 1
        if method in ("getTransactionReceipt", "getTransactionProof"):
            tx_hash = bytes.fromhex(params[0])
            height = self.by_hash.get(tx_hash)
            if height is None:
                raise LookupError("unknown transaction")
            header, encoded, receipt = self.blocks[height]
            if method == "getTransactionReceipt":
                polls = self.polls.get(tx_hash, 0)
                self.polls[tx_hash] = polls + 1
                if polls < self.receipt_delay_polls:
                    return None
                return trestle.decode_receipt(receipt, self.suite)
            proof = encode_single_leaf_proof()
            if self.tamper_proofs:
                header = header[:60] + bytes([header[60] ^ 1]) + header[61:]  # a byte of tx_root
            return {"header": header.hex(), "transaction": encoded.hex(), "transaction_proof": proof.hex(),
                    "receipt": receipt.hex(), "receipt_proof": proof.hex()}
        raise NotImplementedError(method)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            request = json.loads(body)
        except ValueError:
            return self._send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        answer = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            answer["result"] = self.server.dispatch(request["method"], request.get("params", []))
        except NotImplementedError:
            answer["error"] = {"code": -32601, "message": f"method not found: {request['method']}"}
        except LookupError as error:
            answer["error"] = {"code": -32004, "message": str(error)}
        except (ValueError, trestle.TrestleError) as error:
            answer["error"] = {"code": -32602, "message": str(error), "data": {"method": request["method"]}}
        self._send(answer)

    def _send(self, answer):
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
