#!/usr/bin/env bash
# A 4-node chain across 4 network namespaces, each node with its own address on a bridge, as four
# hosts on a LAN would be. With `tc netem` (where the kernel has it) every link gets latency and
# loss. The script sends transfers, cuts one host off (link down), checks that the other three
# keep committing, heals the link, and checks that the fourth catches up to the same state root.
#
#   sudo examples/deploy/netns_chain.sh build/tools/trestle
#   TXS=N (default 1000) transfers per round; NETEM="delay 20ms 5ms loss 1%" the impairment.
# Exit codes: 0 passed, 1 failed, 77 skipped (not root, or no network namespaces here).
set -euo pipefail
trestle=$(realpath "$1")
txs=${TXS:-1000}
netem=${NETEM:-delay 20ms 5ms loss 1%}

if [ "$(id -u)" != 0 ]; then echo "skipped: network namespaces need root"; exit 77; fi
if ! command -v ip >/dev/null; then echo "skipped: iproute2 (ip) is not installed"; exit 77; fi

tag="tr$(($$ % 100000))"  # interface names are at most 15 characters
subnet="10.201.$(($$ % 250))"
bridge="${tag}br"
work=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  { wait; } 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/node*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

if ! ip netns add "${tag}probe" 2>/dev/null; then echo "skipped: cannot create network namespaces here"; exit 77; fi
ip netns del "${tag}probe"

echo "== four hosts: namespaces ${tag}n0..3 on bridge $bridge, addresses $subnet.1-4"
ip link add "$bridge" type bridge
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
for i in 0 1 2 3; do
  ns="${tag}n$i"
  ip netns add "$ns"
  namespaces+=("$ns")
  ip link add "${tag}h$i" type veth peer name "${tag}c$i"
  ip link set "${tag}c$i" netns "$ns"
  ip link set "${tag}h$i" master "$bridge" up
  ip netns exec "$ns" ip addr add "$subnet.$((i + 1))/24" dev "${tag}c$i"
  ip netns exec "$ns" ip link set "${tag}c$i" up
  ip netns exec "$ns" ip link set lo up
done
# shellcheck disable=SC2086
if ip netns exec "${tag}n0" tc qdisc add dev "${tag}c0" root netem $netem 2>/dev/null; then
  for i in 1 2 3; do
    # shellcheck disable=SC2086
    ip netns exec "${tag}n$i" tc qdisc add dev "${tag}c$i" root netem $netem
  done
  echo "netem on every host: $netem"
else
  echo "netem is not available in this kernel (no sch_netem): running without injected latency and loss"
fi

echo "== chain init with real addresses"
hosts="$subnet.1,$subnet.2,$subnet.3,$subnet.4"
"$trestle" chain init --nodes 4 --suite sm --hosts "$hosts" --base-port 30300 --accounts 16 --out "$work/chain"
# JSON-RPC on each host's own address, for the load generator on the bridge (chain init keeps it
# on 127.0.0.1; on real hosts, keep it on a private network or behind a proxy).
for i in 0 1 2 3; do
  python3 - "$work/chain/node$i/config.json" "$subnet.$((i + 1))" <<'PY'
import json, sys
path, host = sys.argv[1], sys.argv[2]
config = json.load(open(path))
config["rpc"]["host"] = host
json.dump(config, open(path, "w"), indent=2)
PY
done
rpc() { echo "http://$subnet.$(($1 + 1)):$((30300 + 2 * $1 + 1))/"; }

echo "== starting one node per host"
for i in 0 1 2 3; do
  ip netns exec "${tag}n$i" "$trestle" node start --config "$work/chain/node$i/config.json" >"$work/node$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2 3; do
  for _ in $(seq 1 100); do "$trestle" rpc --url "$(rpc "$i")" getBlockNumber >/dev/null 2>&1 && break; sleep 0.1; done
  "$trestle" rpc --url "$(rpc "$i")" getBlockNumber >/dev/null || fail "node $i does not answer"
done
height() { "$trestle" rpc --url "$(rpc "$1")" getBlockNumber; }
load() {
  "$trestle" load --url "$1" --accounts "$work/chain/accounts" --txs "$txs" --timeout 120 --json 2>/dev/null
}

echo "== $txs transfers through all four hosts"
load "$(rpc 0),$(rpc 1),$(rpc 2),$(rpc 3)" >"$work/load1.json" || fail "load: $(cat "$work/load1.json")"
json '"committed %d, %.0f tx/s, p50 %.0f ms" % (d["committed"], d["tps"], d["latency_ms_p50"])' <"$work/load1.json"

echo "== host 3 cut off (link down)"
ip link set "${tag}h3" down
cut_at=$(height 0)
load "$(rpc 0),$(rpc 1),$(rpc 2)" >"$work/load2.json" || fail "load without host 3: $(cat "$work/load2.json")"
json '"committed %d without host 3, %.0f tx/s" % (d["committed"], d["tps"])' <"$work/load2.json"
after=$(height 0)
[ "$after" -gt "$cut_at" ] || fail "the chain did not commit while host 3 was cut off"
behind=$(ip netns exec "${tag}n3" "$trestle" rpc --url "http://$subnet.4:30307/" getBlockNumber)
echo "heights: host 0 at $after, host 3 at $behind"

echo "== link healed"
ip link set "${tag}h3" up
for _ in $(seq 1 900); do
  h=$(height 3 2>/dev/null || echo 0)
  [ "$h" -ge "$after" ] && break
  sleep 0.1
done
[ "$(height 3)" -ge "$after" ] || fail "host 3 did not catch up to $after"
root0=$("$trestle" rpc --url "$(rpc 0)" getBlockByNumber "[$after, false]" | json 'd["state_root"]')
root3=$("$trestle" rpc --url "$(rpc 3)" getBlockByNumber "[$after, false]" | json 'd["state_root"]')
[ "$root0" = "$root3" ] || fail "host 3 has another state root at $after"
echo "host 3 caught up: height $(height 3), state root at $after ${root0:0:16}... on both"
echo "PASS"
