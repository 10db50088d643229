package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a Maildir cleans its {@code tmp/} of what dead deliveries left; a delivery of a live
 * process (another daemon on the Maildir, {@code check} run meanwhile) is never taken for one.
 */
class MaildirOpenDuringDeliveryTest {
    @TempDir
    Path tmp;

    @Test
    void openingTheMaildirWhileThisProcessDeliversKeepsTheDelivery() throws Exception {
        Path root = tmp.resolve("mail");
        MaildirFolder folder = MaildirFolder.open(root);
        byte[] body = "From: a@example.com\nSubject: in flight\n\nbody\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path source = Files.write(tmp.resolve("body"), body);
        int[] opened = {0};
        MaildirFile f = folder.deliver(source, Flags.NONE, null, name -> {
            if (!name.getParent().getFileName().toString().equals("tmp")) {
                try {
                    MaildirFolder.open(root); // its tmp/ link exists now, made by this live process
                    opened[0]++;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertEquals(1, opened[0]);
        assertArrayEquals(body, Files.readAllBytes(f.path()), "delivered");
        try (var s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count(), "and tmp/ left clean by the delivery itself");
        }
        assertTrue(Files.exists(source));
    }
}
