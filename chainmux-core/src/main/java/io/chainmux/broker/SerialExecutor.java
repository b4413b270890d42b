package io.chainmux.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in submission order, on a shared pool. At most one drain of this
 * executor is queued in the pool at any time, so the pool's queue is bounded by the number of
 * serial executors; after {@code batch} tasks a drain yields its thread, so a busy network cannot
 * starve the others. A task that throws is logged; the next one runs.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final String name;
    private final Executor pool;
    private final int batch;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private volatile Thread runner;

    public SerialExecutor(String name, Executor pool, int batch) {
        this.name = name;
        this.pool = pool;
        this.batch = batch;
    }

    /**
     * @throws RejectedExecutionException if the pool was shut down (the task is not kept)
     */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        try {
            schedule();
        } catch (RejectedExecutionException e) {
            tasks.remove(task);
            throw e;
        }
    }

    /** Whether the calling thread is running this executor's tasks right now. */
    public boolean inExecutor() {
        return runner == Thread.currentThread();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                throw e;
            }
        }
    }

    private void drain() {
        runTasks(batch);
        if (!tasks.isEmpty()) {
            try {
                schedule();
            } catch (RejectedExecutionException e) {
                // Accepted tasks may hold messages to release and futures to fail: dropping them would
                // leak both. The pool is shutting down, so nothing is left to be fair to: finish here.
                log.debug("{}: pool shut down, running the {} accepted tasks left on this thread", name, tasks.size());
                // Re-checked after each run releases the flag: a task added meanwhile must not wait forever.
                while (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
                    runTasks(Integer.MAX_VALUE);
                }
            }
        }
    }

    /** Runs up to {@code limit} queued tasks on this thread, then releases the scheduled flag. */
    private void runTasks(int limit) {
        runner = Thread.currentThread();
        try {
            Runnable r;
            for (int n = 0; n < limit && (r = tasks.poll()) != null; n++) {
                try {
                    r.run();
                } catch (Throwable t) {
                    log.error("a task of {} failed", name, t);
                }
            }
        } finally {
            runner = null;
            scheduled.set(false);
        }
    }

    @Override
    public String toString() {
        return "SerialExecutor{" + name + "}";
    }
}
