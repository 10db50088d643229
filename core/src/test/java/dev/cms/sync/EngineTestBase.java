package dev.cms.sync;

import dev.cms.provider.CloudMailbox;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine test classes share: a temporary directory, the {@link SyncFixture} a test
 * builds in it (closed after each test), and the usual one: one Maildir, the default route.
 */
abstract class EngineTestBase {
    @TempDir
    Path tmp;

    SyncFixture fx;

    @AfterEach
    void closeFixture() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** The clouds synced into one Maildir by the default route, started online; also in {@link #fx}. */
    SyncFixture single(CloudMailbox... clouds) throws Exception {
        fx = new SyncFixture(tmp, 1, List.of(clouds), Router.defaultOnly());
        return fx.start(false);
    }
}
