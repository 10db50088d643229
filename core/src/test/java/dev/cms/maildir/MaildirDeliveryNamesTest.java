package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FileOps;
import dev.cms.model.Flags;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The names a delivery takes (the Maildir convention): the seconds, then {@code M} and the
 * microseconds, and the same unique name in {@code tmp/} and in {@code new/}; a name someone
 * else holds is skipped, and a Maildir whose every name is taken fails after a bounded number
 * of tries, delivering nothing.
 */
class MaildirDeliveryNamesTest {
    @TempDir Path temp;

    private MaildirFolder open(FakeTicker ticker) throws IOException {
        return MaildirFolder.open(temp.resolve("m"), ticker, FileOps.SYSTEM);
    }

    @Test
    void aNameIsSecondsThenMicrosecondsAndTheSameInTmpAndNew() throws IOException {
        FakeTicker ticker = new FakeTicker(Instant.parse("2026-12-05T06:00:00.123456789Z"));
        MaildirFolder f = open(ticker);
        Path source = Files.writeString(temp.resolve("body"), "Subject: s\n\nbody\n");
        List<Path> told = new ArrayList<>();
        MaildirFile m = f.deliver(source, Flags.NONE, null, told::add);
        String name = m.path().getFileName().toString();
        long seconds = Instant.parse("2026-12-05T06:00:00Z").getEpochSecond();
        assertTrue(name.startsWith(seconds + ".M123456P"), name);
        assertEquals(2, told.size(), told.toString());
        assertEquals(f.root().resolve("tmp").resolve(name), told.get(0), "the tmp/ name is the name in new/");
        assertEquals(f.root().resolve("new").resolve(name), told.get(1));
    }

    @Test
    void aTakenNameIsSkippedAndEveryNameTakenFailsAfterBoundedTries() throws IOException {
        MaildirFolder f = open(new FakeTicker());
        Path source = Files.writeString(temp.resolve("body"), "Subject: s\n\nbody\n");
        List<Path> tried = new ArrayList<>();
        // someone else holds each tmp/ name just before the delivery tries it
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> f.deliver(source, Flags.NONE, null, p -> {
                    tried.add(p);
                    try {
                        Files.writeString(p, "someone else's");
                    } catch (IOException io) {
                        throw new java.io.UncheckedIOException(io);
                    }
                }));
        assertTrue(e.getMessage().contains("no free unique name after 100 tries"), e.getMessage());
        assertEquals(100, tried.size(), "each try a new name");
        assertEquals(100, tried.stream().distinct().count());
        try (Stream<Path> s = Files.list(f.root().resolve("new"))) {
            assertEquals(0, s.count());
        }

        // the first two names in new/ taken: the third is used, and nothing is overwritten
        List<Path> names = new ArrayList<>();
        MaildirFile m = f.deliver(source, Flags.NONE, null, p -> {
            names.add(p);
            if (p.getParent().endsWith("new") && names.size() <= 3) {
                try {
                    Files.writeString(p, "someone else's");
                } catch (IOException io) {
                    throw new java.io.UncheckedIOException(io);
                }
            }
        });
        assertEquals(4, names.size(), names.toString());
        assertEquals(names.get(3), m.path());
        assertEquals("Subject: s\n\nbody\n", Files.readString(m.path()));
        assertEquals("someone else's", Files.readString(names.get(1)));
    }
}
