package dev.cms.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A second process for {@link StateLockTest}. {@code try <stateDir>}: tries to take the lock and
 * exits {@value #ACQUIRED} or {@value #LOCKED} (printing the message on stderr).
 * {@code hold <stateDir>}: takes the lock, prints {@value #READY} on stdout and holds it until
 * stdin closes.
 */
public final class LockProbeMain {
    static final int ACQUIRED = 0;
    static final int LOCKED = 42;
    static final int FAILED = 1;
    static final String READY = "LOCKED-AND-READY";

    private LockProbeMain() {}

    public static void main(String[] args) throws IOException {
        Path stateDir = Path.of(args[1]);
        try (StateLock lock = StateLock.acquire(stateDir)) {
            System.err.println("holding the lock of " + lock.stateDir());
            if (args[0].equals("hold")) {
                System.out.println(READY);
                System.out.flush();
                while (System.in.read() != -1) {
                    // hold until the parent closes our stdin
                }
            }
        } catch (StateLockedException e) {
            System.err.println(e.getMessage());
            System.exit(LOCKED);
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            System.exit(FAILED);
        }
        System.exit(ACQUIRED);
    }
}
