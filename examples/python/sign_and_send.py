#!/usr/bin/env python3
"""Sign a transaction, send it to a running Trestle node, wait for its receipt and check its
inclusion proof against the block header.

    python3 sign_and_send.py --url http://127.0.0.1:30301/ --suite sm --chain-id trestle-local \
        --key mychain/accounts/account0.pem --to ADDRESS_OF_ACCOUNT_1 --amount 5

(a chain made by `trestle chain init --nodes 4 --suite sm --out mychain` and started with
`trestle node start`, see docs/getting-started.md; --payload sends raw text instead, which the
asset application refuses and a custom application may accept).

Without --key a fresh key is generated (fine for a chain that accepts any sender). The proof check
is what a light client does; a real one must also trust the header, by checking its commit
certificate against the chain's sealers, before it believes the proof.
"""

import argparse
import sys

import trestle
from trestle import crypto


def load_key(path, suite):
    key_class = crypto.SM2PrivateKey if suite == "sm" else crypto.Secp256k1PrivateKey
    if path is None:
        return key_class.generate()
    with open(path, encoding="utf-8") as pem:
        return key_class.from_pem(pem.read())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the node's JSON-RPC URL")
    parser.add_argument("--suite", choices=["sm", "ecdsa"], default="sm", help="the chain's crypto suite")
    parser.add_argument("--chain-id", required=True)
    parser.add_argument("--group-id", default="group0")
    parser.add_argument("--key", help="the sender's private key (PEM); default: a new key")
    parser.add_argument("--to", help="the target address, 40 hex digits")
    parser.add_argument("--payload", default="", help="the payload, as text")
    parser.add_argument("--amount", type=int,
                        help="send an asset transfer of this amount to --to (the payload of the node's asset "
                             "application: op 1, then the amount as u64 big-endian); replaces --payload")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the receipt")
    args = parser.parse_args(argv)

    key = load_key(args.key, args.suite)
    client = trestle.RpcClient(args.url)
    height = client.get_block_number()
    payload = args.payload.encode() if args.amount is None else b"\x01" + args.amount.to_bytes(8, "big")
    tx = trestle.Transaction(chain_id=args.chain_id, group_id=args.group_id, block_limit=max(height, 0) + 100,
                             target=bytes.fromhex(args.to) if args.to else None,
                             payload=payload).sign(key)
    print(f"sender   {key.address().hex()}")
    print(f"tx hash  {tx.hash(args.suite).hex()}")

    sent = client.send_transaction(tx)
    if sent != tx.hash(args.suite).hex():
        print(f"the node answered hash {sent}, expected {tx.hash(args.suite).hex()}", file=sys.stderr)
        return 1
    receipt = client.wait_for_receipt(sent, timeout_s=args.timeout)
    print(f"receipt  status {receipt['status']} at height {receipt['height']}")

    proof = client.get_transaction_proof(sent)
    if trestle.Transaction.decode(proof.transaction) != tx:
        print("the proof is about another transaction", file=sys.stderr)
        return 1
    if not proof.verify(args.suite):
        print("inclusion proof: INVALID", file=sys.stderr)
        return 1
    header = trestle.decode_header(proof.header, args.suite)
    print(f"inclusion proof: valid against block {header['height']} ({header['hash']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
