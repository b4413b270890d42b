package io.chainmux.broker;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** What {@link ConnectionBroker#schedule} returns once it no longer runs anything: a task cancelled already. */
final class NotScheduled implements ScheduledFuture<Object> {
    static final NotScheduled INSTANCE = new NotScheduled();

    private NotScheduled() {
    }

    @Override
    public long getDelay(TimeUnit unit) {
        return 0;
    }

    @Override
    public int compareTo(Delayed other) {
        return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return true;
    }

    @Override
    public boolean isDone() {
        return true;
    }

    @Override
    public Object get() {
        throw new java.util.concurrent.CancellationException("the broker is shutting down");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
        return get();
    }
}
