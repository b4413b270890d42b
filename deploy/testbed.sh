#!/usr/bin/env bash
# A multi-host chainmux testbed on one Linux machine: N nodes, each in its own network namespace
# with its own address (10.77.0.I/24), joined by a bridge, each node's outgoing traffic rate-limited
# with `tc ... tbf`. Node 1 produces the chains; the others start empty, bootstrap from node 1 and
# sync every chain. The script waits until every node holds every block, prints how long that took,
# and tears everything down (namespaces, bridge, processes), also on failure or Ctrl-C.
#
#   sudo deploy/testbed.sh                                  # 4 nodes, 10 chains x 500 blocks, 100mbit each
#   sudo deploy/testbed.sh --nodes 6 --rate 20mbit --chains 50 --blocks 200
#   deploy/testbed.sh --check                               # can it run here? (exit 0, or 77 and why not)
#
# Needs root (namespaces, bridge, tc), iproute2 (ip, tc), curl and Java 17. Runs the checkout's jar
# (bin/chainmux builds it) unless CHAINMUX_CMD gives another command line to run chainmux with.
# Delay is not emulated: tc netem is not available on every kernel (not on the one this was written
# on); the long-path benchmarks use a relay instead (`bench compare --path-delay-ms`).
# Exit codes: 0 synced, 1 not synced in time (or a node failed), 2 bad option, 77 cannot run here.
set -euo pipefail

nodes=4
rate=100mbit
chains=10
blocks=500
timeout=120
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check_only=false

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    echo "Options: --nodes N (2-50) --rate RATE (tc rate, e.g. 100mbit) --chains N --blocks N --timeout SECONDS --check"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --nodes) nodes="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --chains) chains="$2"; shift 2 ;;
        --blocks) blocks="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --check) check_only=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "testbed: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for n in "$nodes" "$chains" "$blocks" "$timeout"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "testbed: '$n' is not a number" >&2; exit 2; }
done
(( nodes >= 2 && nodes <= 50 )) || { echo "testbed: --nodes must be in [2, 50], got $nodes" >&2; exit 2; }
[[ "$rate" =~ ^[0-9]+(bit|kbit|mbit|gbit)$ ]] || { echo "testbed: --rate must be like 100mbit, got '$rate'" >&2; exit 2; }

cannot() { echo "testbed: cannot run here: $*" >&2; exit 77; }
[[ "$(id -u)" == 0 ]] || cannot "needs root (network namespaces, a bridge, tc)"
for tool in ip tc curl java; do
    command -v "$tool" >/dev/null 2>&1 || cannot "'$tool' is not installed"
done

tag="cmtb$$"                      # names of everything this run creates (interface names <= 15 chars)
bridge="${tag}br"
work="$(mktemp -d "${TMPDIR:-/tmp}/chainmux-testbed.XXXXXX")"
pids=()

teardown() {
    local code=$?
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for i in $(seq 1 "$nodes"); do
        ip netns del "${tag}n$i" 2>/dev/null || true   # deletes its veth end, and so the pair
    done
    ip link del "$bridge" 2>/dev/null || true
    if [[ $code -ne 0 && -d "$work" ]]; then
        echo "testbed: node logs kept in $work" >&2
    else
        rm -rf "$work"
    fi
    exit $code
}
trap teardown EXIT
trap 'exit 130' INT TERM

# A probe: the kernel lets us make a namespace and a bridge (not so in every container).
ip netns add "${tag}probe" 2>/dev/null || cannot "'ip netns add' is not permitted"
ip netns del "${tag}probe"
ip link add "$bridge" type bridge 2>/dev/null || cannot "'ip link add ... type bridge' is not permitted"
ip link set "$bridge" up
if $check_only; then
    echo "testbed: can run here"
    exit 0
fi

if [[ -n "${CHAINMUX_CMD:-}" ]]; then
    read -r -a chainmux <<< "$CHAINMUX_CMD"
else
    "$root/bin/chainmux" --version >/dev/null            # builds the jar if missing or stale
    chainmux=(java -Xmx512m -jar "$root/chainmux-cli/target/chainmux.jar")
fi

echo "testbed: $nodes nodes on bridge $bridge, 10.77.0.1-$nodes, each sending at most $rate;" \
     "$chains chains x $blocks blocks from node 1" >&2
for i in $(seq 1 "$nodes"); do
    ns="${tag}n$i"
    ip netns add "$ns"
    ip link add "${tag}v$i" type veth peer name "${tag}p$i"
    ip link set "${tag}v$i" master "$bridge" up
    ip link set "${tag}p$i" netns "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "${tag}p$i" name eth0
    ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    # the node's uplink: token bucket at $rate, a burst of 64 KiB, at most 100 ms queued
    ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst 64kb latency 100ms
done

start_node() { # index, extra options...
    local i=$1; shift
    mkdir -p "$work/n$i"
    ip netns exec "${tag}n$i" "${chainmux[@]}" node --listen "10.77.0.$i:7000" --metrics "10.77.0.$i:7070" \
        --chains "$chains" --degree 2 --data-dir "$work/n$i" "$@" > "$work/n$i/out.log" 2> "$work/n$i/err.log" &
    pids+=($!)
}

wait_for() { # seconds, description, command...
    local seconds=$1 what=$2; shift 2
    local limit=$(( SECONDS + seconds ))
    until "$@"; do
        if (( SECONDS >= limit )); then
            echo "testbed: $what did not happen within $seconds s (logs: $work)" >&2
            return 1
        fi
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "testbed: a node exited (logs: $work)" >&2; return 1; }
        done
        sleep 0.2
    done
}

start_node 1 --produce-blocks "$blocks"
wait_for 60 "node 1 starting" grep -q '^peer address: ' "$work/n1/out.log"
seed="$(sed -n 's/^peer address: \([^ ]*\).*/\1/p' "$work/n1/out.log")"
echo "testbed: node 1 is $seed" >&2

started=$SECONDS
for i in $(seq 2 "$nodes"); do
    start_node "$i" --bootstrap "$seed"
done

# Synced: every chain of every node at height $blocks (the metric chainmux_chain_height, per chain).
synced() {
    local i lowest
    for i in $(seq 2 "$nodes"); do
        lowest="$(ip netns exec "${tag}n$i" curl -sf --max-time 2 "http://10.77.0.$i:7070/metrics" \
            | awk '/^chainmux_chain_height\{/ { h = $2 + 0; if (min == "" || h < min) min = h } END { print min + 0 }')" \
            || return 1
        (( lowest >= blocks )) || return 1
    done
}
wait_for "$timeout" "the sync of every chain on every node" synced
took=$(( SECONDS - started ))
echo "testbed: nodes 2-$nodes hold all $chains chains x $blocks blocks after ${took} s (node 1 first sends at most $rate)"
for i in $(seq 1 "$nodes"); do
    ip netns exec "${tag}n$i" "${chainmux[@]}" peers "10.77.0.$i:7070" | tail -n 1 | sed "s/^/node $i: /"
done
