#!/bin/sh
# The red/blue tutorial with nstools: two network namespaces joined by a
# veth cable, an address at each end, a ping each way, then teardown. If a
# step fails, or the script is interrupted, the trap removes what it made,
# and only that: it is set once nsadd has made red and blue (nsadd makes
# both or neither), so a red or blue someone else made is never touched.
#
#   sh examples/redblue.sh                      (as root)
#   BIN=/usr/local/bin sh examples/redblue.sh   (an installed copy)
#
# BIN is where the tools are: target/dist (`cargo xtask dist`) by default.
set -eu

BIN=$(cd "${BIN:-$(dirname "$0")/../target/dist}" && pwd)
PATH=$BIN:$PATH # nsexec finds nsping here too

cleanup() {
    status=$?
    trap - EXIT INT TERM
    set +x
    echo "redblue.sh: failed; removing the lab" >&2
    nsadd -d -f red blue || echo "redblue.sh: remove it by hand: ip netns del red; ip netns del blue" >&2
    exit "$status"
}

set -x
nsadd red blue
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
vethpair -n red veth-red --peer-netns blue veth-blue
ipassign -n red veth-red 10.0.0.1/24
ipassign -n blue veth-blue 10.0.0.2/24
linkup -n red veth-red
linkup -n blue --wait veth-blue   # until the cable carries traffic
nsping -n red -c 3 10.0.0.2
nsexec blue nsping -c 3 10.0.0.1
trap - EXIT INT TERM
nsadd -d red blue
