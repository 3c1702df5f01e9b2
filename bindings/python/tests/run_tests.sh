#!/usr/bin/env bash
# Installs the trestle package into a fresh virtual environment and runs its pytest suite.
#   run_tests.sh PYTHON WORK_DIR LIBRARY MAKE_CHAIN PACKAGE_DIR SOURCE_DIR [ASAN_RUNTIME]
# PYTHON must see pytest and cryptography (Debian's python3-pytest, python3-cryptography). The
# package is installed from a copy, because pip builds in the source folder and two build trees
# may run this at once. pytest runs without TRESTLE_C_LIBRARY, so it uses the bundled library.
set -euo pipefail
python=$1
work=$2
library=$3
make_chain=$4
package=$5
source=$6
asan_runtime=${7:-}

for module in pytest cryptography venv; do
  if ! "$python" -c "import $module" 2>/dev/null; then
    echo "error: $python cannot import $module; run scripts/bootstrap" >&2
    exit 1
  fi
done

rm -rf "$work"
mkdir -p "$work"
"$python" -m venv --system-site-packages "$work/venv"
mkdir "$work/package"
(cd "$package" && tar --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ -cf - .) |
  (cd "$work/package" && tar -xf -)
TRESTLE_C_LIBRARY=$library "$work/venv/bin/python" -m pip install --no-build-isolation --no-index --no-deps \
  --disable-pip-version-check -q "$work/package"

cd "$work"
export TRESTLE_TEST_MAKE_CHAIN=$make_chain
export TRESTLE_SOURCE_DIR=$source
unset TRESTLE_C_LIBRARY
if [ -n "$asan_runtime" ]; then
  # CPython frees little at exit: leak reports would be about the interpreter, not Trestle.
  export LD_PRELOAD=$asan_runtime
  export ASAN_OPTIONS=detect_leaks=0
fi
exec "$work/venv/bin/python" -m pytest -p no:cacheprovider -q "$work/package/tests"
