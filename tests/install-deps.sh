#!/bin/sh
# Installs what servecal needs to build, test and plot on Debian 12 (as
# root, or through sudo when not root). Safe to run again. Chromium is for
# the test that opens the HTML report in a headless browser (it skips, and
# says so, where chromium is absent); python3-yaml for the tests that parse
# the generated YAML (engine configs, Kubernetes manifests). Open MPI
# (libopenmpi-dev, openmpi-bin) builds and tests bench's MPI ranks;
# clang-format checks the source layout (tests/format.sh).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libcurl4-openssl-dev libcjson-dev libgsl-dev libcunit1-dev libevent-dev
gnuplot-nox ca-certificates python3 python3-yaml chromium
libopenmpi-dev openmpi-bin clang-format"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	# Wait (up to 10 minutes) for another apt or dpkg run to let go of
	# its lock instead of failing at once.
	lock="-o DPkg::Lock::Timeout=600"
	# shellcheck disable=SC2086
	$SUDO apt-get $lock update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get $lock install -y -qq --no-install-recommends $missing
fi
