/**
 * A simulator of peer selection at internet scale: thousands of nodes, each running many chains'
 * P2P networks, in one process and without sockets. Every pick goes through the node's real request
 * logic ({@link io.chainmux.p2p.NextPeers} and the picker behind it); the simulator supplies what a
 * node would know (its peers, which of them it has a TCP connection to) and plays the peers' accept
 * side (inbound session limits), session rotation, and nodes leaving and joining.
 */
package io.chainmux.bench.sim;
