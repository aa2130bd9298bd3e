#!/bin/sh
# A W x H torus: W*H network namespaces, node (x,y) joined to its right
# neighbour (x+1,y) and to the one below (x,y+1), wrapping at the edges,
# each cable a veth pair with a /30 of its own. awk writes one line per
# invocation and each tool reads them all with --batch: one process per
# phase, however big the torus. Then every cable is pinged across, the
# torus is taken down, and the time of each phase is printed.
#
#   sh examples/torus.sh 10 10                     (as root)
#   BIN=/usr/local/bin sh examples/torus.sh 32 32  (an installed copy)
#
# Node (x,y) is namespace tX-Y (PREFIX=t) with interfaces east and south
# (to its right and lower neighbours) and west and north (from its left
# and upper ones). Cable k, the east cable of node i = y*W+x being k = 2i
# and its south cable 2i+1, is 10.A.B.C/30 with A.B.C the address of k*4:
# the east or south end has .1, the far end .2.
#
# Each cable is pinged once across, from its east or south end, by one
# nsping --batch for all of them. Every ping costs the kernel two entries
# in its neighbour table, which all namespaces share: past
# net.ipv4.neigh.default.gc_thresh3 (1024 by default) new ones fail, so a
# torus of more than 256 nodes is pinged only where that limit allows it
# (sysctl -w net.ipv4.neigh.default.gc_thresh3=N raises it). PING=0 skips
# the pings.
#
# If a phase fails, or the script is interrupted, the trap removes the
# torus (only the namespaces it made: each batch makes all or nothing).
set -eu

if [ $# -ne 2 ] || ! [ "$1" -ge 1 ] 2>/dev/null || ! [ "$2" -ge 1 ] 2>/dev/null; then
    echo "usage: torus.sh W H   (W, H >= 1; W*H namespaces)" >&2
    exit 2
fi
W=$1 H=$2
PREFIX=${PREFIX:-t}
BIN=$(cd "${BIN:-$(dirname "$0")/../target/dist}" && pwd)
PATH=$BIN:$PATH

# awk programs, run with W, H and P (the prefix) set: one line per node,
# per cable end, or per cable.
NODES='BEGIN { for (y = 0; y < H; y++) for (x = 0; x < W; x++) print P x "-" y }'
CABLES='
function ns(x, y) { return P (x % W) "-" (y % H) }
function addr(k, end) { k *= 4; return "10." int(k / 65536) "." int(k / 256) % 256 "." k % 256 + end }
BEGIN {
    for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
        i = y * W + x
        east = "-n " ns(x, y) " east --peer-netns " ns(x + 1, y) " west"
        south = "-n " ns(x, y) " south --peer-netns " ns(x, y + 1) " north"
        if (MODE == "pairs") { print east; print south }
        if (MODE == "addresses") {
            # Grouped by namespace: each of its four ends, then the next node.
            print "-n " ns(x, y) " east " addr(2 * i, 1) "/30"
            print "-n " ns(x, y) " south " addr(2 * i + 1, 1) "/30"
            print "-n " ns(x, y) " west " addr(2 * ((i % W == 0 ? i + W : i) - 1), 2) "/30"
            print "-n " ns(x, y) " north " addr(2 * ((i - W + W * H) % (W * H)) + 1, 2) "/30"
        }
        if (MODE == "links") print "-n " ns(x, y) " lo east south west north"
        if (MODE == "pings") {
            print "-n " ns(x, y) " " addr(2 * i, 2)
            print "-n " ns(x, y) " " addr(2 * i + 1, 2)
        }
    }
}'
lines() { awk -v W="$W" -v H="$H" -v P="$PREFIX" -v MODE="$1" "$2"; }

now() { date +%s%N; }
took() { echo "$(( ($(now) - $1) / 1000000 ))"; }

teardown() {
    lines "" "$NODES" | nsadd -d -f -b -
}
cleanup() {
    status=$?
    trap - EXIT INT TERM
    echo "torus.sh: failed; removing the torus" >&2
    teardown || echo "torus.sh: remove it by hand: nsadd -d $PREFIX*" >&2
    exit "$status"
}

t=$(now)
lines "" "$NODES" | nsadd -b -
up_nodes=$(took "$t")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t=$(now)
lines pairs "$CABLES" | vethpair -b -
up_pairs=$(took "$t")

t=$(now)
lines addresses "$CABLES" | ipassign -b -
up_addresses=$(took "$t")

t=$(now)
lines links "$CABLES" | linkup --wait -b -
up_links=$(took "$t")

# The neighbour entries the pings need, against the kernel's limit (only
# readable from the initial network namespace; elsewhere, try).
needed=$((4 * W * H))
limit=$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3 2>/dev/null || echo "$needed")
ping=skipped
if [ "${PING:-1}" = 0 ]; then
    :
elif [ "$limit" -lt "$needed" ]; then
    ping="skipped: $needed neighbour entries needed, net.ipv4.neigh.default.gc_thresh3 is $limit"
else
    t=$(now)
    if ! answers=$(lines pings "$CABLES" | nsping -c 1 -W 2 --batch -); then
        echo "$answers" | grep -v ' = 1/1/0%' >&2
        echo "torus.sh: a cable did not answer its ping" >&2
        exit 1
    fi
    ping="$(took "$t") ms"
fi

trap - EXIT INT TERM
t=$(now)
teardown
down=$(took "$t")

cables=$((2 * W * H))
echo "torus ${W}x${H}: $((W * H)) namespaces, $cables cables, $((2 * cables)) addresses"
echo "up: nsadd $up_nodes ms, vethpair $up_pairs ms, ipassign $up_addresses ms," \
    "linkup --wait $up_links ms; ping: $ping; down: nsadd -d $down ms"
