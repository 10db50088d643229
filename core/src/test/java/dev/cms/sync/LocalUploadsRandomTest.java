package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random runs of a user's new files meeting failed, refused, lost and interrupted uploads,
 * restarts and mail from the cloud, checked against what must hold whatever happened (an oracle
 * that knows only the files written and the cloud's messages, no engine class): no file of the
 * user's ever yields two cloud messages, none is ever lost (it is in the Maildir, as itself or as
 * the cloud's version of it, or in lost+found), and once things are quiet every cloud message has
 * exactly one file and every file in the Maildir is a cloud message. Seeds: {@code -Duploads.seeds=N}.
 */
class LocalUploadsRandomTest {
    private static final byte[] REWRITE = "X-Rewritten: by the service\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    static List<Integer> seeds() {
        int n = Integer.getInteger("uploads.seeds", 60);
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(i);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void neverTwiceNeverLost(int seed) throws Exception {
        Random rnd = new Random(seed);
        InMemoryMailbox box = (seed % 2 == 0 ? InMemoryMailbox.likeGmail("gmail:me:INBOX")
                : InMemoryMailbox.likeOffice365("o365:me:drafts")).takeUploads();
        if (seed % 2 == 1) {
            box.rewriteUploads();
        }
        Path dir = tmp.resolve("s" + seed);
        try (SyncFixture fx = new SyncFixture(dir, 1, List.of(box), new Router(List.of()))) {
            fx.start(false);
            fx.cycleOk();
            Map<ContentHash, byte[]> own = new HashMap<>();
            int steps = 25 + rnd.nextInt(20);
            for (int s = 0; s < steps; s++) {
                step(rnd, fx, box, own, seed, s);
                check(fx, box, own, false, seed, s);
            }
            box.clearFailures();
            box.afterUpload(() -> { });
            fx.start(false);
            for (int i = 0; i < 3; i++) {
                fx.cycleOk();
            }
            check(fx, box, own, true, seed, steps);
        }
    }

    private void step(Random rnd, SyncFixture fx, InMemoryMailbox box, Map<ContentHash, byte[]> own, int seed, int s)
            throws Exception {
        int what = rnd.nextInt(10);
        switch (what) {
            case 0, 1, 2 -> {
                byte[] body = Messages.message("own-" + seed + "-" + s);
                own.put(SyncFixture.hash(body), body);
                String letters = (rnd.nextBoolean() ? "F" : "") + (rnd.nextBoolean() ? "S" : "");
                Files.write(fx.maildirPaths.get(0).resolve(rnd.nextBoolean() ? "cur" : "new")
                        .resolve("17649" + seed + "." + s + ".host" + (letters.isEmpty() ? "" : ":2," + letters)), body);
            }
            case 3 -> box.failNext(Op.UPLOAD, 1);
            case 4 -> box.loseNextUploadAnswer(rnd.nextBoolean());
            case 5 -> box.refuseNextUpload("HTTP 400 (invalid)");
            case 6 -> box.afterUpload(() -> {
                fx.engine.requestStop();
                box.afterUpload(() -> { });
            });
            case 7 -> fx.start(rnd.nextInt(4) == 0);
            case 8 -> box.add(Messages.message("cloud-" + seed + "-" + s), Flags.of(Flag.READ), null);
            default -> {
                List<MaildirFile> files = fx.files(0);
                if (!files.isEmpty()) {
                    SyncFixture.setLetters(files.get(rnd.nextInt(files.size())), rnd.nextBoolean() ? "S" : "FS");
                }
            }
        }
        fx.cycle();
    }

    /** The user's content a cloud body was made from (the service may have put a header in front); null if none. */
    private static ContentHash ownOf(byte[] cloud, Map<ContentHash, byte[]> own) throws Exception {
        ContentHash h = SyncFixture.hash(cloud);
        if (own.containsKey(h)) {
            return h;
        }
        if (cloud.length >= REWRITE.length && Arrays.equals(Arrays.copyOf(cloud, REWRITE.length), REWRITE)) {
            ContentHash inner = SyncFixture.hash(Arrays.copyOfRange(cloud, REWRITE.length, cloud.length));
            return own.containsKey(inner) ? inner : null;
        }
        return null;
    }

    private void check(SyncFixture fx, InMemoryMailbox box, Map<ContentHash, byte[]> own, boolean quiet, int seed,
            int step) throws Exception {
        String at = "seed " + seed + " step " + step;
        Map<ContentHash, Integer> made = new HashMap<>();
        Map<ContentHash, ContentHash> cloudVersion = new HashMap<>();
        for (String id : box.ids()) {
            byte[] b = box.body(id);
            ContentHash o = ownOf(b, own);
            if (o != null) {
                made.merge(o, 1, Integer::sum);
                cloudVersion.put(o, SyncFixture.hash(b));
            }
        }
        made.forEach((o, n) -> assertEquals(1, n, at + ": one cloud message per file of the user's"));
        Map<ContentHash, Flags> local = fx.local(0);
        List<ContentHash> lost = new ArrayList<>();
        for (Path p : Files.exists(fx.stateDir.resolve("lost+found")) ? fx.lostAndFound() : List.<Path>of()) {
            lost.add(SyncFixture.hash(Files.readAllBytes(p)));
        }
        for (ContentHash o : own.keySet()) {
            ContentHash v = cloudVersion.get(o);
            boolean here = local.containsKey(o) || v != null && local.containsKey(v);
            assertTrue(here || lost.contains(o), at + ": the user's file " + o.shortHex() + " is somewhere");
            assertTrue(!(v != null && !v.equals(o) && local.containsKey(o) && local.containsKey(v)),
                    at + ": never two files for one message");
        }
        if (quiet) {
            Map<ContentHash, Integer> inCloud = new HashMap<>();
            for (String id : box.ids()) {
                inCloud.merge(SyncFixture.hash(box.body(id)), 1, Integer::sum);
            }
            assertEquals(inCloud.keySet(), local.keySet(), at + ": the Maildir is the cloud, one file a message");
        }
    }
}
