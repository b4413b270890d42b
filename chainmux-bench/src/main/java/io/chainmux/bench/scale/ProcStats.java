package io.chainmux.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What Linux says about a process ({@code /proc/PID}) and about TCP ({@code /proc/net/sockstat}). Every
 * reading is -1 where the file is missing (not Linux) or unreadable.
 */
final class ProcStats {
    /** USER_HZ: the unit of utime and stime in /proc/PID/stat; 100 on every mainstream Linux. */
    static final double TICKS_PER_SECOND = 100;
    static final long PAGE = 4096;

    private ProcStats() {}

    /** Resident set size in bytes. */
    static long rssBytes(long pid) {
        long kb = statusField(pid, "VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }

    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    /** CPU time used so far (user + system), in seconds. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command name (which may hold spaces) start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * TCP payload bytes sent plus received so far over the process's established connections, from the
     * kernel's per-socket counters ({@code ss -tinp}); -1 without {@code ss} or its answer.
     */
    static long socketBytes(long pid) {
        Process p;
        try {
            p = new ProcessBuilder("ss", "-tinpH", "state", "established").redirectErrorStream(true).start();
        } catch (IOException e) {
            return -1;
        }
        String owner = "pid=" + pid + ",";
        long sum = 0;
        boolean ours = false;
        try (java.io.BufferedReader r = p.inputReader()) {
            for (String l; (l = r.readLine()) != null; ) {
                if (!l.startsWith("\t") && !l.startsWith(" ")) {
                    ours = l.contains(owner); // a socket's first line names its process; the next its counters
                } else if (ours) {
                    sum += counter(l, "bytes_sent:") + counter(l, "bytes_received:");
                }
            }
            return p.waitFor() == 0 ? sum : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long counter(String line, String key) {
        int i = line.indexOf(key);
        if (i < 0) {
            return 0;
        }
        int j = i + key.length();
        int k = j;
        while (k < line.length() && Character.isDigit(line.charAt(k))) {
            k++;
        }
        return k > j ? Long.parseLong(line.substring(j, k)) : 0;
    }

    static long fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The soft limit of open files of this process (its children inherit it). */
    static long openFileLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String v = l.substring("Max open files".length()).trim().split("\\s+")[0];
                    return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Kernel memory of all TCP sockets of the machine (both ends of every loopback connection), bytes. */
    static long tcpKernelBytes() {
        return sockstat("TCP:", "mem") * PAGE;
    }

    /**
     * Kernel memory of the machine's sockets: the TCP socket objects and socket inodes
     * ({@code /proc/slabinfo}, objects x object size; needs root, else -1) plus TCP buffer memory.
     */
    static long socketKernelBytes() {
        long buffers = tcpKernelBytes();
        long slab = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/slabinfo"))) {
                String[] w = l.trim().split("\\s+");
                if (w.length > 3 && (w[0].equals("TCP") || w[0].equals("TCPv6") || w[0].equals("sock_inode_cache"))) {
                    slab += Long.parseLong(w[1]) * Long.parseLong(w[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return buffers < 0 ? -1 : slab + buffers;
    }

    /** TCP sockets in use on the machine. */
    static long tcpInUse() {
        return sockstat("TCP:", "inuse");
    }

    private static long sockstat(String line, String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (l.startsWith(line)) {
                    String[] w = l.trim().split("\\s+");
                    for (int i = 1; i + 1 < w.length; i += 2) {
                        if (w[i].equals(key)) {
                            return Long.parseLong(w[i + 1]);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long statusField(long pid, String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String l : lines) {
                if (l.startsWith(field)) {
                    return Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
