"""trestle.RpcClient against FakeNode (fake_node.py), a local JSON-RPC server."""

import http.server
import json
import socket
import threading

import pytest

import trestle
from trestle import crypto

from fake_node import FakeNode


@pytest.mark.parametrize("key_class,suite", [(crypto.SM2PrivateKey, "sm"), (crypto.Secp256k1PrivateKey, "ecdsa")])
def test_send_wait_and_verify_inclusion(key_class, suite):
    key = key_class.generate()
    with FakeNode(suite, receipt_delay_polls=2) as node:
        client = trestle.RpcClient(node.url)
        assert client.get_block_number() == -1
        tx = trestle.Transaction(chain_id="chain0", block_limit=100, payload=b"hello").sign(key)
        tx_hash = client.send_transaction(tx)
        assert tx_hash == tx.hash(suite).hex()
        assert client.get_block_number() == 0
        assert client.get_transaction_receipt(tx_hash) is None
        receipt = client.wait_for_receipt(tx_hash, timeout_s=5, poll_interval_s=0.01)
        assert receipt["tx_hash"] == tx_hash and receipt["status"] == 0
        proof = client.get_transaction_proof(bytes.fromhex(tx_hash))
        assert trestle.Transaction.decode(proof.transaction) == tx
        assert proof.verify(suite)
        node.tamper_proofs = True
        assert not client.get_transaction_proof(tx_hash).verify(suite)
        assert node.requests.count("getTransactionReceipt") == 3


def test_errors_from_the_node():
    key = crypto.SM2PrivateKey.generate()
    with FakeNode("sm") as node:
        client = trestle.RpcClient(node.url)
        tx = trestle.Transaction(chain_id="chain0", block_limit=100).sign(key)
        client.send_transaction(tx.encode())
        with pytest.raises(trestle.RpcError, match="already committed") as error:
            client.send_transaction(tx)
        assert error.value.rpc_code == -32602 and error.value.data == {"method": "sendTransaction"}
        forged = trestle.Transaction(chain_id="chain0", block_limit=100).sign(key)
        forged.payload = b"changed after signing"
        with pytest.raises(trestle.RpcError, match="sendTransaction: "):
            client.send_transaction(forged)
        with pytest.raises(trestle.RpcError) as error:
            client.get_peers()
        assert error.value.rpc_code == -32601
        with pytest.raises(trestle.RpcError, match="unknown transaction"):
            client.get_transaction_receipt(bytes(32))
        with pytest.raises(TimeoutError):
            node.receipt_delay_polls = 1000
            other = trestle.Transaction(chain_id="chain0", block_limit=100).sign(key)
            client.wait_for_receipt(client.send_transaction(other), timeout_s=0.05, poll_interval_s=0.01)


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the server's `body`, where ID stands for the request's id."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        body = self.server.body.replace(b"ID", str(request["id"]).encode())
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def canned():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_malformed_answers(canned, monkeypatch):
    client = trestle.RpcClient(f"http://127.0.0.1:{canned.server_address[1]}/")
    cases = [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON-RPC response"),
        (b'{"jsonrpc": "2.0", "id": 99, "result": 1}', "not a JSON-RPC response"),
        (b'{"jsonrpc": "2.0", "id": ID}', "neither result nor error"),
        (b'{"jsonrpc": "2.0", "id": ID, "error": "boom"}', "malformed error object"),
    ]
    for body, message in cases:
        canned.body = body
        with pytest.raises(trestle.RpcError, match=message):
            client.get_node_info()
    canned.body = b'{"jsonrpc": "2.0", "id": ID, "result": {"version": "0.1.0"}}'
    assert client.get_node_info() == {"version": "0.1.0"}
    canned.body = b'{"jsonrpc": "2.0", "id": ID, "result": "' + b"x" * 200 + b'"}'
    monkeypatch.setattr(trestle.rpc, "RESPONSE_SIZE_MAX_BYTES", 100)
    with pytest.raises(trestle.LimitExceededError):
        client.get_node_info()
    canned.status = 400
    canned.body = b'{"jsonrpc": "2.0", "id": ID, "error": {"code": -32600, "message": "invalid request"}}'
    with pytest.raises(trestle.RpcError, match=r"invalid request \(HTTP 400\)") as error:
        client.get_node_info()
    assert error.value.rpc_code == -32600
    canned.status = 500
    canned.body = b"internal error"
    with pytest.raises(OSError) as failure:
        client.get_node_info()
    assert not isinstance(failure.value, trestle.RpcError)


def test_bad_url_and_unreachable_node():
    with pytest.raises(trestle.InvalidArgumentError, match="http://"):
        trestle.RpcClient("ftp://example")
    probe = socket.socket()  # a local port with nothing listening: bound, then closed
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(OSError):
        trestle.RpcClient(f"http://127.0.0.1:{port}/", timeout_s=2).get_block_number()
