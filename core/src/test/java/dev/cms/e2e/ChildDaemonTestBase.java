package dev.cms.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of the real daemon as child JVMs share: their directory, the {@link ChildDaemon}
 * processes started in it (killed after each test, after the test's own {@code @AfterEach}), and
 * the scripted browser's curl (the tests are skipped without it).
 */
abstract class ChildDaemonTestBase {
    @TempDir
    Path tmp;

    ChildDaemon daemons;

    @BeforeEach
    void prepareChildDaemons() {
        assumeTrue(new File("/usr/bin/curl").canExecute(), "curl plays the browser");
        daemons = new ChildDaemon(tmp);
    }

    @AfterEach
    void killChildDaemons() {
        if (daemons != null) {
            daemons.close();
        }
    }
}
