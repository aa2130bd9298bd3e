#!/bin/sh
# A W x H torus: W*H network namespaces, node (x,y) joined to its right
# neighbour (x+1,y) and to the one below (x,y+1), wrapping at the edges,
# each cable a veth pair with a /30 of its own. awk writes one line per
# invocation and each tool reads them all with --batch: one process per
# phase, however big the torus. Then every cable is pinged across, the
# torus is taken down, and the time of each phase is printed.
#
#   sh examples/torus.sh 10 10                     (as root)
#   sh examples/torus.sh --hosts 4 10 10           (split over 4 machines)
#   BIN=/usr/local/bin sh examples/torus.sh 32 32  (an installed copy)
#
# Node (x,y) is namespace tX-Y (PREFIX=t) with interfaces east and south
# (to its right and lower neighbours) and west and north (from its left
# and upper ones). Cable k, the east cable of node i = y*W+x being k = 2i
# and its south cable 2i+1, is 10.A.B.C/30 with A.B.C the address of k*4:
# the east or south end has .1, the far end .2.
#
# With --hosts N the torus is split over N machines, played here by
# namespaces thost0 ... (N <= H): machine h holds the rows y with
# y*N/H = h, a band of the torus. The machines are joined by a veth each
# (a full mesh: machine a's end towards b is ub, 172.16.A.(4B+1)/30 for
# a < b, b's end .2 of it). Each machine is built by its own batch per
# tool, with only its share of the nodes: a cable whose ends land on two
# machines becomes a VXLAN cable (vethpair --remote, VNI k+1), each end
# made by its own machine's batch over the link between the two.
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

usage() {
    echo "usage: torus.sh [--hosts N] W H   (W, H >= 1; W*H namespaces; 1 <= N <= H)" >&2
    exit 2
}
N=1
if [ "${1:-}" = --hosts ]; then
    [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || usage
    N=$2
    shift 2
fi
if [ $# -ne 2 ] || ! [ "$1" -ge 1 ] 2>/dev/null || ! [ "$2" -ge 1 ] 2>/dev/null; then
    usage
fi
W=$1 H=$2
[ "$N" -le "$H" ] || usage
PREFIX=${PREFIX:-t}
BIN=$(cd "${BIN:-$(dirname "$0")/../target/dist}" && pwd)
PATH=$BIN:$PATH

# awk programs, run with W, H, P (the prefix), N (the machines) and
# HOST (the machine whose share to print; -1: all) set: one line per node,
# per cable end, or per cable.
SHARE='
function host(y) { return int((y % H) * N / H) }
function mine(y) { return HOST < 0 || host(y) == HOST }
function hostns(h) { return P "host" h }
# Machine a'"'"'s address on its link to machine b.
function uaddr(a, b) { return "172.16." (a < b ? a : b) "." 4 * (a < b ? b : a) + (a < b ? 1 : 2) }
'
NODES=$SHARE'BEGIN { for (y = 0; y < H; y++) for (x = 0; x < W; x++) if (mine(y)) print P x "-" y }'
CABLES=$SHARE'
function ns(x, y) { return P (x % W) "-" (y % H) }
function addr(k, end) { k *= 4; return "10." int(k / 65536) "." int(k / 256) % 256 "." k % 256 + end }
function remote(x, y, a, b, name, k) {
    return "-n " ns(x, y) " --underlay-netns " hostns(a) " --remote " uaddr(b, a) " --vni " k + 1 " " name
}
BEGIN {
    for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
        i = y * W + x
        east = "-n " ns(x, y) " east --peer-netns " ns(x + 1, y) " west"
        south = "-n " ns(x, y) " south --peer-netns " ns(x, y + 1) " north"
        a = host(y); b = host(y + 1)
        if (MODE == "pairs") {
            if (mine(y)) print east
            if (a == b && mine(y)) print south
            # Across two machines: each end made by its own, over their link.
            if (a != b && mine(y)) print remote(x, y, a, b, "south", 2 * i + 1)
            if (a != b && mine(y + 1)) print remote(x, y + 1, b, a, "north", 2 * i + 1)
        }
        if (!mine(y)) continue
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
# The machines and the full mesh of links between them.
UNDERLAY=$SHARE'BEGIN {
    for (a = 0; a < N; a++) {
        if (MODE == "hosts") print hostns(a)
        links = "-n " hostns(a)
        for (b = 0; b < N; b++) {
            if (b == a) continue
            links = links " u" b
            if (MODE == "pairs" && a < b) print "-n " hostns(a) " u" b " --peer-netns " hostns(b) " u" a
            if (MODE == "addresses") print "-n " hostns(a) " u" b " " uaddr(a, b) "/30"
        }
        if (MODE == "links") print links
    }
}'
# lines MODE PROGRAM [HOST]: what PROGRAM prints in MODE, of machine
# HOST's share (by default all of it).
lines() { awk -v W="$W" -v H="$H" -v P="$PREFIX" -v N="$N" -v HOST="${3:--1}" -v MODE="$1" "$2"; }
# on_each_host MODE PROGRAM TOOL [OPTION]...: one batch per machine, of
# its share of the torus.
on_each_host() {
    mode=$1 program=$2
    shift 2
    h=0
    while [ "$h" -lt "$N" ]; do
        lines "$mode" "$program" "$h" | "$@" -b -
        h=$((h + 1))
    done
}

now() { date +%s%N; }
took() { echo "$(( ($(now) - $1) / 1000000 ))"; }

# Every namespace: the nodes, and the machines when there are several.
namespaces() {
    lines "" "$NODES"
    if [ "$N" -gt 1 ]; then lines hosts "$UNDERLAY"; fi
}
teardown() {
    namespaces | nsadd -d -f -b -
}
cleanup() {
    status=$?
    trap - EXIT INT TERM
    echo "torus.sh: failed; removing the torus" >&2
    teardown || echo "torus.sh: remove it by hand: nsadd -d $PREFIX*" >&2
    exit "$status"
}

t=$(now)
namespaces | nsadd -b -
up_nodes=$(took "$t")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

underlay=
if [ "$N" -gt 1 ]; then
    t=$(now)
    lines pairs "$UNDERLAY" | vethpair -b -
    lines addresses "$UNDERLAY" | ipassign -b -
    lines links "$UNDERLAY" | linkup --wait -b -
    underlay=", the $N machines' links $(took "$t") ms"
fi

t=$(now)
on_each_host pairs "$CABLES" vethpair
up_pairs=$(took "$t")

t=$(now)
on_each_host addresses "$CABLES" ipassign
up_addresses=$(took "$t")

t=$(now)
on_each_host links "$CABLES" linkup --wait
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
if [ "$N" -gt 1 ]; then
    vxlan=$(lines pairs "$CABLES" | grep -c -- --remote || true)
    echo "torus ${W}x${H} over $N machines: $((W * H)) namespaces, $cables cables" \
        "($((vxlan / 2)) of them VXLAN, between machines), $((2 * cables)) addresses"
else
    echo "torus ${W}x${H}: $((W * H)) namespaces, $cables cables, $((2 * cables)) addresses"
fi
echo "up: nsadd $up_nodes ms${underlay}, vethpair $up_pairs ms, ipassign $up_addresses ms," \
    "linkup --wait $up_links ms; ping: $ping; down: nsadd -d $down ms"
