#!/usr/bin/env bash
# Writes the files for a chain across real hosts, one node per host:
#   examples/deploy/make_configs.sh TRESTLE_EXE OUT_DIR HOST0 HOST1 HOST2 HOST3 ...
# Each node listens for peers on its host's address (port 30300 + 2I) and serves JSON-RPC on the
# same address (port 30301 + 2I): keep that address on a private network or firewall the RPC
# port. Data goes to /var/lib/trestle/nodeI, as the systemd unit expects. Then copy OUT_DIR/nodeI
# and OUT_DIR/genesis.json to host I (README.md), never a key to another host.
set -euo pipefail
trestle=$1
out=$2
shift 2
[ $# -ge 1 ] || { echo "usage: make_configs.sh TRESTLE_EXE OUT_DIR HOST0 [HOST1 ...]" >&2; exit 2; }
hosts=$(IFS=,; echo "$*")
"$trestle" chain init --nodes $# --suite "${SUITE:-sm}" --consensus "${CONSENSUS:-pbft}" --hosts "$hosts" \
  --base-port "${BASE_PORT:-30300}" --accounts "${ACCOUNTS:-10}" --out "$out"
i=0
for host in "$@"; do
  python3 - "$out/node$i/config.json" "$host" "/var/lib/trestle/node$i" <<'PY'
import json, sys
path, host, data_dir = sys.argv[1:4]
config = json.load(open(path))
config["rpc"]["host"] = host
config["data_dir"] = data_dir
config["genesis"] = "genesis.json"
json.dump(config, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
  cp "$out/genesis.json" "$out/node$i/genesis.json"
  i=$((i + 1))
done
echo "copy $out/nodeI/ to host I as /etc/trestle/nodeI/ (config.json, genesis.json, node.pem)"
