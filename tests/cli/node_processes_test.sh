#!/usr/bin/env bash
# End-to-end test of a chain of `trestle node start` processes on loopback:
#   - transfers sent to any node commit on all four, with one state root;
#   - a process with a key outside the genesis cannot connect;
#   - random bytes to the P2P and RPC ports leave the chain running;
#   - kill -9 of a node under load: the others keep committing; restarted, it catches up;
#   - a replayed transaction, an expired block limit and a bad signature get clear RPC errors.
# Usage: node_processes_test.sh TRESTLE_EXE
set -euo pipefail
trestle=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  { wait; } 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/chain/node*.log "$work"/outsider.log; do
    [ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 30 "$log" >&2; }
  done
  exit 1
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Eight consecutive free ports for four nodes, and two for the outsider.
base=$(python3 - <<'EOF'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000, 2)
    try:
        sockets = []
        for port in range(base, base + 10):
            s = socket.socket()
            s.bind(("127.0.0.1", port))
            sockets.append(s)
        for s in sockets:
            s.close()
        print(base)
        break
    except OSError:
        for s in sockets:
            s.close()
EOF
)
rpc() { echo "http://127.0.0.1:$((base + 2 * $1 + 1))/"; }

"$trestle" chain init --nodes 4 --suite sm --base-port "$base" --accounts 8 --out "$work/chain" >/dev/null

start_node() {
  "$trestle" node start --config "$work/chain/node$1/config.json" >>"$work/chain/node$1.log" 2>&1 &
  pids[$1]=$!
  for _ in $(seq 1 100); do
    "$trestle" rpc --url "$(rpc "$1")" getBlockNumber >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "node $1 did not answer RPC"
}
height() { "$trestle" rpc --url "$(rpc "$1")" getBlockNumber; }
state_root() { "$trestle" rpc --url "$(rpc "$1")" getBlockByNumber "[$2, false]" | json 'd["state_root"]'; }
same_root_at() {
  local root
  root=$(state_root 0 "$1")
  for i in 1 2 3; do [ "$(state_root "$i" "$1")" = "$root" ] || fail "node $i: another state root at $1"; done
}

for i in 0 1 2 3; do start_node "$i"; done

echo "== transfers through every node commit on all"
"$trestle" load --url "$(rpc 0),$(rpc 1),$(rpc 2),$(rpc 3)" --accounts "$work/chain/accounts" --txs 400 --json \
  >"$work/load1.json" 2>/dev/null || fail "load: $(cat "$work/load1.json")"
[ "$(json 'd["committed"]' <"$work/load1.json")" = 400 ] || fail "not all transfers committed"
h=$(height 0)
for i in 1 2 3; do
  for _ in $(seq 1 50); do [ "$(height "$i")" -ge "$h" ] && break; sleep 0.1; done
done
same_root_at "$h"

echo "== a key outside the genesis cannot connect"
"$trestle" key gen --suite sm --out "$work/outsider.pem" >/dev/null
outsider_pub=$("$trestle" key show "$work/outsider.pem" | awk '/^public:/ {print $2}')
python3 - "$work" "$base" "$outsider_pub" <<'EOF'
import json, sys
work, base, pub = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pub = pub[2:] if pub.startswith("04") and len(pub) == 130 else pub
genesis = json.load(open(f"{work}/chain/genesis.json"))
genesis["sealers"][3]["public_key"] = pub
json.dump(genesis, open(f"{work}/outsider-genesis.json", "w"), indent=2)
config = json.load(open(f"{work}/chain/node3/config.json"))
config.update({"genesis": "outsider-genesis.json", "key": "outsider.pem", "data_dir": "outsider-data",
               "p2p": {"host": "127.0.0.1", "port": base + 8}, "rpc": {"host": "127.0.0.1", "port": base + 9}})
json.dump(config, open(f"{work}/outsider.json", "w"), indent=2)
EOF
"$trestle" node start --config "$work/outsider.json" >"$work/outsider.log" 2>&1 &
pids[4]=$!
outsider_rpc="http://127.0.0.1:$((base + 9))/"
for _ in $(seq 1 100); do "$trestle" rpc --url "$outsider_rpc" getBlockNumber >/dev/null 2>&1 && break; sleep 0.1; done
sleep 3
connected=$("$trestle" rpc --url "$outsider_rpc" getPeers | json 'sum(1 for p in d if p["connected"])')
[ "$connected" = 0 ] || fail "the outsider connected to $connected sealers"
[ "$("$trestle" rpc --url "$outsider_rpc" getBlockNumber)" = 0 ] || fail "the outsider got blocks"
kill -TERM "${pids[4]}"
wait "${pids[4]}" || true

echo "== random bytes to the P2P and RPC ports"
for port in "$base" "$((base + 1))"; do
  for _ in 1 2 3; do
    head -c 65536 /dev/urandom >"/dev/tcp/127.0.0.1/$port" 2>/dev/null || true
  done
done
"$trestle" load --url "$(rpc 0)" --accounts "$work/chain/accounts" --txs 50 --json >"$work/load2.json" 2>/dev/null ||
  fail "the chain stopped after random bytes: $(cat "$work/load2.json")"

echo "== kill -9 under load, restart, catch up"
"$trestle" load --url "$(rpc 0),$(rpc 1),$(rpc 2)" --accounts "$work/chain/accounts" --txs 2000 --json \
  >"$work/load3.json" 2>/dev/null &
load_pid=$!
sleep 1
kill -9 "${pids[3]}"
{ wait "${pids[3]}"; } 2>/dev/null || true
wait "$load_pid" || fail "load with a node killed: $(cat "$work/load3.json")"
[ "$(json 'd["committed"]' <"$work/load3.json")" = 2000 ] || fail "not all transfers committed with node 3 down"
# More blocks while it is down, so that it must fetch them with their certificates.
for round in 1 2 3 4 5 6; do
  "$trestle" load --url "$(rpc $((round % 3)))" --accounts "$work/chain/accounts" --txs 20 --json \
    >"$work/load4.json" 2>/dev/null || fail "load $round with node 3 down: $(cat "$work/load4.json")"
done
reached=$(height 0)
start_node 3
for _ in $(seq 1 300); do [ "$(height 3)" -ge "$reached" ] && break; sleep 0.1; done
[ "$(height 3)" -ge "$reached" ] || fail "node 3 did not catch up to $reached (at $(height 3))"
same_root_at "$reached"
synced=$("$trestle" rpc --url "$(rpc 3)" getSyncStatus | json 'd["blocks_synced"]')
[ "$synced" -gt 0 ] || fail "node 3 caught up without fetching blocks"
echo "node 3 caught up to $reached ($synced blocks from peers' certificates)"

echo "== replay, expired block limit, bad signature"
to=$(json 'd[1]["address"]' <"$work/chain/accounts/accounts.json")
key="$work/chain/accounts/account0.pem"
"$trestle" tx send --url "$(rpc 0)" --key "$key" --to "$to" --payload 0100000000000000ff --nonce 0a0b0c --wait \
  >/dev/null 2>&1 || true
if "$trestle" tx send --url "$(rpc 1)" --key "$key" --to "$to" --payload 0100000000000000ff --nonce 0a0b0c \
  >/dev/null 2>"$work/replay.err"; then fail "a replayed nonce was accepted"; fi
grep -qi "nonce" "$work/replay.err" || fail "replay error does not say why: $(cat "$work/replay.err")"
if "$trestle" tx transfer --url "$(rpc 2)" --key "$key" --to "$to" --amount 1 --block-limit 1 \
  >/dev/null 2>"$work/expired.err"; then fail "an expired block limit was accepted"; fi
grep -qi "block limit" "$work/expired.err" || fail "expiry error does not say why: $(cat "$work/expired.err")"
"$trestle" tx transfer --url "$(rpc 0)" --key "$key" --to "$to" --amount 1 --wait >"$work/transfer.out" ||
  fail "a transfer failed: $(cat "$work/transfer.out")"
tx_hash=$(head -n 1 "$work/transfer.out")
encoded=$("$trestle" rpc --url "$(rpc 0)" getTransactionProof "[\"$tx_hash\"]" | json 'd["transaction"]')
# The signature is the encoding's last bytes: flip one.
forged=$(python3 -c "import sys; b=bytearray.fromhex(sys.argv[1]); b[-5]^=1; print(b.hex())" "$encoded")
if "$trestle" rpc --url "$(rpc 3)" sendTransaction "[\"$forged\"]" >/dev/null 2>"$work/forged.err"; then
  fail "a bad signature was accepted"
fi
grep -qi "signature" "$work/forged.err" || fail "bad-signature error does not say why: $(cat "$work/forged.err")"

echo "PASS"
