package dev.cms.bench;

import dev.cms.sync.Daemon;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/** The real daemon, run on a thread of its own by the benchmarks that measure it; what ended it early is kept. */
final class DaemonThread {
    final Thread thread;
    final AtomicReference<Throwable> crashed = new AtomicReference<>();

    private DaemonThread(Daemon daemon, String name) {
        this.thread = new Thread(() -> {
            try {
                daemon.run();
            } catch (IOException | InterruptedException | RuntimeException e) {
                crashed.set(e);
            }
        }, name);
    }

    static DaemonThread start(Daemon daemon, String name) {
        DaemonThread t = new DaemonThread(daemon, name);
        t.thread.start();
        return t;
    }
}
