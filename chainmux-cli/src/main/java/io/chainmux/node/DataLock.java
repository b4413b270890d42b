package io.chainmux.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a node's file (its identity or peer database), held while the node runs: a
 * second process with the same identity would make peers see one node twice, and two writers of
 * one peer database overwrite each other. The lock is {@code FILE.lock} (it holds the owner's pid);
 * the operating system releases it when the process ends, however it ends.
 */
public final class DataLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code file}'s lock file.
     *
     * @param key the config key that names the file, for the message
     * @throws ConfigException if another process (or this one) holds it, or it cannot be created
     */
    public static DataLock acquire(String key, Path file) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot create the lock file " + lockFile + ": " + e.getMessage());
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException e) {
            close(ch);
            throw new ConfigException(key, "cannot lock " + lockFile + ": " + e.getMessage());
        }
        if (lock == null) {
            String owner = owner(lockFile);
            close(ch);
            throw new ConfigException(key, file + " is in use by another running node" + owner
                    + "; stop it, or give this node its own --identity and --peer-db (or --data-dir)");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException e) {
            // the pid is for people; the lock holds without it
        }
        return new DataLock(ch, lock);
    }

    private static String owner(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return pid.matches("\\d{1,10}") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing held
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // released with the channel
        }
        close(channel);
    }
}
