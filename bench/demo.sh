#!/bin/sh
# Sets everything up and runs servecal's main job on the built-in emulated
# endpoints: installs the Debian packages, builds, and runs the demo.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/install-deps.sh
[ -x configure ] || autoreconf -fi
[ ! -f config.status ] || make distclean >/dev/null
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } && make -j2)
./build/servecal predict --model qwen3-32b --gpu h200-sxm --dtype fp8 \
	--kv-dtype fp8 --tp 2 --isl 4000 --osl 500 --concurrency 64
