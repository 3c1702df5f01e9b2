"""Transactions, decoding to JSON, inclusion proofs and the read-only Store."""

import dataclasses
import json

import pytest

import trestle
from trestle import crypto

TARGET = bytes(range(1, 21))


def _tx(**fields):
    values = dict(chain_id="chain0", group_id="group0", nonce=b"\x00\x07", block_limit=500, target=TARGET,
                  payload=b"transfer 100", timestamp_ms=1_700_000_000_000)
    values.update(fields)
    return trestle.Transaction(**values)


@pytest.mark.parametrize("key_class,suite,sender_size", [(crypto.SM2PrivateKey, "sm", 64),
                                                         (crypto.Secp256k1PrivateKey, "ecdsa", 20)])
def test_transaction_sign_encode_decode(key_class, suite, sender_size):
    key = key_class.generate()
    tx = _tx().sign(key)
    assert len(tx.sender) == sender_size
    assert tx.verify(suite) == key.address()
    encoded = tx.encode()
    decoded = trestle.Transaction.decode(encoded)
    assert decoded == tx
    assert decoded.encode() == encoded
    assert decoded.hash(suite) == tx.hash(suite) and len(tx.hash(suite)) == 32
    document = tx.to_json(suite)
    assert document["hash"] == tx.hash(suite).hex()
    assert document["signature_valid"] is True
    assert document["sender_address"] == key.address().hex()
    assert document["target"] == TARGET.hex()
    # The hash does not cover the signature: another signature, the same hash.
    again = dataclasses.replace(tx).sign(key)
    assert again.hash(suite) == tx.hash(suite)
    tampered = dataclasses.replace(tx, payload=b"transfer 999")
    with pytest.raises(trestle.AuthenticationError):
        tampered.verify(suite)
    assert tampered.to_json(suite)["signature_valid"] is False


def test_transaction_defaults_and_no_target():
    key = crypto.SM2PrivateKey.generate()
    tx = trestle.Transaction(chain_id="chain0", block_limit=10).sign(key)
    assert len(tx.nonce) == 16 and tx.timestamp_ms > 1_600_000_000_000 and tx.target is None
    decoded = trestle.Transaction.decode(tx.encode())
    assert decoded.target is None and decoded == tx
    assert trestle.Transaction(chain_id="c").nonce != trestle.Transaction(chain_id="c").nonce


def test_transaction_errors():
    sm2 = crypto.SM2PrivateKey.generate()
    with pytest.raises(trestle.InvalidArgumentError, match="nonce"):
        _tx(nonce=b"").sign(sm2)
    with pytest.raises(trestle.LimitExceededError):
        _tx(chain_id="c" * 65).sign(sm2)
    with pytest.raises(trestle.InvalidArgumentError, match="20 bytes"):
        _tx(target=b"\x01" * 19).encode()
    with pytest.raises(trestle.InvalidArgumentError):
        _tx().sign(sm2, suite="ecdsa")
    with pytest.raises(trestle.InvalidArgumentError, match="unknown suite"):
        _tx().hash("rsa")
    with pytest.raises(TypeError):
        _tx().sign("not a key")
    with pytest.raises(TypeError):
        _tx(payload="text").encode()
    with pytest.raises(trestle.InvalidArgumentError):
        _tx().verify("sm")  # unsigned: no sender
    encoded = _tx().sign(sm2).encode()
    with pytest.raises(trestle.InvalidArgumentError):
        trestle.Transaction.decode(encoded[:-1])
    with pytest.raises(trestle.InvalidArgumentError):
        trestle.Transaction.decode(encoded + b"\x00")
    with pytest.raises(trestle.UnsupportedError):
        trestle.Transaction.decode(b"\x02" + encoded[1:])


def test_non_utf8_chain_id_round_trips():
    key = crypto.Secp256k1PrivateKey.generate()
    tx = _tx(chain_id=b"\xff\xfechain".decode("utf-8", "surrogateescape")).sign(key)
    decoded = trestle.Transaction.decode(tx.encode())
    assert decoded == tx and decoded.encode() == tx.encode()
    assert "\ufffd" in tx.to_json("ecdsa")["chain_id"]


@pytest.mark.parametrize("suite", ["sm", "ecdsa"])
def test_store_reads_blocks_transactions_and_proofs(chains, suite):
    with trestle.Store(chains[suite]) as store:
        assert store.suite == suite
        assert store.chain_id == "bindings-test"
        assert store.tip_height == 3
        for height in range(4):
            block = store.block_json(height)
            assert block["header"]["height"] == height
            assert block == trestle.decode_block(store.block(height), suite)
            assert trestle.decode_header(store.header(height), suite) == block["header"]
            txs = store.transactions(height)
            assert len(txs) == 2 * height + 1
            for index, tx in enumerate(txs):
                tx_hash = tx.hash(suite)
                assert block["transactions"][index]["hash"] == tx_hash.hex()
                assert store.transaction(tx_hash) == tx
                assert store.transaction(tx_hash.hex()) == tx
                receipt = trestle.decode_receipt(store.receipt(tx_hash), suite)
                assert receipt["tx_hash"] == tx_hash.hex() and receipt["height"] == height
                proof = store.transaction_proof(tx_hash)
                assert proof.verify(suite)
                assert trestle.verify_transaction_proof(suite, proof.header, tx, proof.transaction_proof)
                assert trestle.verify_receipt_proof(suite, proof.header, proof.receipt, proof.receipt_proof)
                # Against another block's header, the proof fails.
                other = store.header((height + 1) % 4)
                assert not trestle.verify_transaction_proof(suite, other, tx, proof.transaction_proof)
                # Through JSON and back (as a node would send it).
                as_json = json.loads(json.dumps({k: v.hex() for k, v in dataclasses.asdict(proof).items()}))
                assert trestle.InclusionProof.from_json(as_json) == proof
        with pytest.raises(trestle.NotFoundError):
            store.header(4)
        with pytest.raises(trestle.NotFoundError):
            store.transactions(4)
        with pytest.raises(trestle.NotFoundError):
            store.transaction(bytes(32))
        with pytest.raises(trestle.InvalidArgumentError):
            store.receipt(bytes(31))
    with pytest.raises(ValueError, match="closed"):
        store.header(0)


def test_store_open_errors(tmp_path):
    with pytest.raises(trestle.NotFoundError):
        trestle.Store(tmp_path / "missing")


def test_proof_inputs_are_checked():
    with pytest.raises(trestle.InvalidArgumentError, match="header: "):
        trestle.verify_transaction_proof("sm", b"\x01", b"", b"")
    with pytest.raises(trestle.InvalidArgumentError, match="proof: missing field 'header'"):
        trestle.InclusionProof.from_json({"transaction": "00", "transaction_proof": "00"})
    with pytest.raises(trestle.InvalidArgumentError, match="not hex"):
        trestle.InclusionProof.from_json({"header": "zz", "transaction": "00", "transaction_proof": "00"})
    with pytest.raises(trestle.InvalidArgumentError, match="block: "):
        trestle.decode_block(b"\x01\x02", "sm")
