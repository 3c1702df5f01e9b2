"""trestle.RpcClient and examples/python/sign_and_send.py against a real node: one sealer made by
`trestle chain init` and run by `trestle node start`. CTest sets TRESTLE_TEST_TRESTLE to the
trestle command; without it these tests are skipped."""

import json
import os
import random
import socket
import subprocess
import sys
import time

import pytest

import trestle
from trestle import crypto


def free_port_pair():
    """A port P with P and P + 1 free on 127.0.0.1 (the node's P2P and RPC ports)."""
    for _ in range(200):
        port = random.randrange(20000, 60000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


def transfer_payload(amount):
    """The asset application's transfer: op 1, then the amount as u64 big-endian
    (docs/applications.md)."""
    return b"\x01" + amount.to_bytes(8, "big")


@pytest.fixture(scope="module", params=["sm", "ecdsa"])
def node(request, tmp_path_factory):
    tool = os.environ.get("TRESTLE_TEST_TRESTLE")
    if not tool:
        pytest.skip("TRESTLE_TEST_TRESTLE is not set (run through CTest, which builds the trestle command)")
    suite = request.param
    root = tmp_path_factory.mktemp(f"chain-{suite}")
    base = free_port_pair()
    subprocess.run([tool, "chain", "init", "--nodes", "1", "--suite", suite, "--base-port", str(base), "--accounts",
                    "2", "--out", str(root / "chain")], check=True, capture_output=True)
    log = open(root / "node.log", "w")
    process = subprocess.Popen([tool, "node", "start", "--config", str(root / "chain" / "node0" / "config.json")],
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{base + 1}/"
    client = trestle.RpcClient(url, timeout_s=5)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get_block_number()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the node did not start: " + (root / "node.log").read_text())
            time.sleep(0.1)
    accounts = json.loads((root / "chain" / "accounts" / "accounts.json").read_text())
    key_class = crypto.SM2PrivateKey if suite == "sm" else crypto.Secp256k1PrivateKey
    keys = [key_class.from_pem((root / "chain" / "accounts" / a["key"]).read_text()) for a in accounts]
    yield {"suite": suite, "url": url, "accounts": accounts, "keys": keys}
    process.terminate()
    assert process.wait(timeout=30) == 0, (root / "node.log").read_text()
    log.close()


def test_client_against_a_real_node(node):
    suite, client = node["suite"], trestle.RpcClient(node["url"])
    info = client.get_node_info()
    assert info["suite"] == suite and info["sealer_count"] == 1 and info["application"] == "asset"
    assert [s["index"] for s in client.get_sealers()] == [0]
    assert client.get_sync_status()["syncing"] is False

    sender, recipient = node["keys"][0], node["accounts"][1]
    before = int(client.get_state("asset.balance", recipient["address"]), 16)
    tx = trestle.Transaction(chain_id=info["chain_id"], group_id=info["group_id"],
                             block_limit=client.get_block_number() + 100, target=bytes.fromhex(recipient["address"]),
                             payload=transfer_payload(7)).sign(sender)
    tx_hash = client.send_transaction(tx)
    assert tx_hash == tx.hash(suite).hex()
    receipt = client.wait_for_receipt(tx_hash, timeout_s=30, poll_interval_s=0.05)
    assert receipt["tx_hash"] == tx_hash and receipt["status"] == 0
    committed = client.get_transaction(tx_hash)
    assert committed["height"] == receipt["height"] and committed["signature_valid"] is True
    block = client.get_block_by_number(receipt["height"])
    assert tx_hash in block["transactions"]

    proof = client.get_transaction_proof(tx_hash)
    assert trestle.Transaction.decode(proof.transaction) == tx
    assert proof.verify(suite)
    header = trestle.decode_header(proof.header, suite)
    assert header["height"] == receipt["height"] and header["hash"] == block["hash"]

    assert int(client.get_state("asset.balance", recipient["address"]), 16) == before + 7

    # The node's refusals arrive as RpcError with its reason.
    with pytest.raises(trestle.RpcError, match="nonce") as replay:
        client.send_transaction(tx)
    assert replay.value.rpc_code == -32010
    greedy = trestle.Transaction(chain_id=info["chain_id"], block_limit=client.get_block_number() + 100,
                                 target=bytes.fromhex(recipient["address"]),
                                 payload=transfer_payload(10 ** 18)).sign(sender)
    with pytest.raises(trestle.RpcError, match="insufficient funds"):
        client.send_transaction(greedy)
    assert client.get_transaction_receipt(bytes(32)) is None
    with pytest.raises(trestle.RpcError) as unknown:
        client.call("noSuchMethod")
    assert unknown.value.rpc_code == -32601


def test_sign_and_send_example_against_a_real_node(node, source_dir, tmp_path):
    example = source_dir / "examples" / "python" / "sign_and_send.py"
    key_file = tmp_path / "sender.pem"
    key_file.write_text(node["keys"][0].to_pem())
    info = trestle.RpcClient(node["url"]).get_node_info()
    command = [sys.executable, str(example), "--url", node["url"], "--suite", node["suite"], "--chain-id",
               info["chain_id"], "--key", str(key_file), "--to", node["accounts"][1]["address"], "--amount", "3",
               "--timeout", "30"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "receipt  status 0" in result.stdout
    assert "inclusion proof: valid against block" in result.stdout
