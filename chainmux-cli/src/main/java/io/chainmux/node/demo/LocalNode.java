package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

/** A demo node running in the coordinator's JVM. */
final class LocalNode implements NodeHandle {
    private final DemoNode node;
    private volatile int verified;

    LocalNode(DemoNode node) {
        this.node = node;
    }

    @Override
    public int index() {
        return node.index();
    }

    @Override
    public PeerAddress address() {
        return node.address();
    }

    @Override
    public NodeReport report() {
        return node.report();
    }

    @Override
    public void phase(GossipStats.Phase phase) {
        node.phase(phase);
    }

    @Override
    public void stopGossip() {
        node.stopGossip();
    }

    @Override
    public NodeReport finalReport() {
        return node.finalReport(n -> verified = n);
    }

    @Override
    public int chainsVerified() {
        return verified;
    }

    @Override
    public void close() {
        node.close();
    }
}
