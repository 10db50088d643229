package dev.cms.cli;

import dev.cms.sync.Daemon;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shutdown hook of one daemon run, {@code --once} too: on SIGTERM/SIGINT the cycle stops at
 * its next safe point, a login being waited for ends at once, and once the run has closed its
 * state and the broker's socket the process exits with success.
 */
final class StopHook {
    private static final Logger log = LoggerFactory.getLogger(StopHook.class);

    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;

    private StopHook(SyncSetup setup, @Nullable Daemon daemon) {
        this.thread = new Thread(() -> stop(setup, daemon), "cms-shutdown");
    }

    /** Installs the hook of a run of {@code daemon}, or of one cycle of the engine when it is null. */
    static StopHook install(SyncSetup setup, @Nullable Daemon daemon) {
        StopHook hook = new StopHook(setup, daemon);
        Runtime.getRuntime().addShutdownHook(hook.thread);
        return hook;
    }

    private void stop(SyncSetup setup, @Nullable Daemon daemon) {
        log.info("stopping");
        if (daemon != null) {
            daemon.stop();
        } else {
            setup.engine.requestStop();
        }
        setup.providers.stopLogins();
        try {
            if (closed.await(30, TimeUnit.SECONDS)) {
                log.info("stopped cleanly");
                // A stop asked for by SIGTERM/SIGINT that completed is a success.
                Runtime.getRuntime().halt(ExitCodes.OK);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The run is over: closes its state, then lets a running hook end the process, or removes
     * the hook (a run that returned on its own needs it no more; tests run many in one JVM). A
     * close that fails is no clean stop: the hook then does not exit with success.
     */
    void closeAndRemove(SyncSetup setup) throws IOException {
        setup.close();
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook is running and ends the process.
        }
    }
}
