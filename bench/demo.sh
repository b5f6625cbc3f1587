#!/bin/sh
# Sets everything up and runs servecal's main job on the built-in emulated
# endpoints: installs the Debian packages, builds, and runs the demo
# campaign (bench/demo.json: an agg and a disagg deployment, emulated on
# loopback) through bench, fit, match, plots and report, in about 3 minutes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/install-deps.sh
[ -x configure ] || autoreconf -fi
[ ! -f config.status ] || make distclean >/dev/null
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } && make -j2)
out="results/demo-$(date +%Y%m%d-%H%M%S)"
# The demo's calibrated parameters go to a perf database beside its results,
# not into calib/db: they describe an emulator, not a real GPU.
export SERVECAL_DB="$top/results/perf-db"
./build/servecal campaign run bench/demo.json --out "$out"
echo "open $top/$out/report.html"
echo "servecal is $top/build/servecal (export PATH=\"$top/build:\$PATH\", or make -C build install)"
echo "the demo's perf database: SERVECAL_DB=$SERVECAL_DB servecal db list"
