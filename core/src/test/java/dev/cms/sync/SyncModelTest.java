package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random interleavings of cloud changes, local changes, restarts and injected failures,
 * checked after every cycle against a small reference model of DESIGN §5. The suite runs
 * {@code -Dmodel.seeds} seeds (300 by default); {@code -Dmodel.seed=N} replays one.
 */
class SyncModelTest {
    private static final int STEPS = 24;

    @TempDir
    Path tmp;

    @Test
    void engineMatchesTheReferenceModel() throws Exception {
        String one = System.getProperty("model.seed");
        if (one != null) {
            runSeed(Long.parseLong(one));
            return;
        }
        int seeds = Integer.getInteger("model.seeds", 300);
        for (long seed = 1; seed <= seeds; seed++) {
            runSeed(seed);
        }
    }

    private void runSeed(long seed) throws Exception {
        Path dir = tmp.resolve("seed-" + seed);
        try {
            new Run(seed, dir).run();
        } catch (AssertionError | Exception e) {
            throw new AssertionError("model test failed for seed " + seed + "; replay with: mvn test"
                    + " -Dtest=SyncModelTest -Dmodel.seed=" + seed + "\n" + e.getMessage(), e);
        } finally {
            deleteTree(dir);
        }
    }

    /** One randomised run. */
    private static final class Run {
        final long seed;
        final Random rnd;
        final List<InMemoryMailbox> clouds = new ArrayList<>();
        final int[] targetOf;
        final SyncFixture fx;
        final List<Map<String, Flags>> base = new ArrayList<>();
        final StringBuilder trace = new StringBuilder();
        /** Per mailbox: start-up rules hold until a cycle of that mailbox succeeded. */
        final boolean[] startup = {true, true};
        boolean offline;
        int counter;

        Run(long seed, Path dir) throws IOException {
            this.seed = seed;
            this.rnd = new Random(seed);
            clouds.add(InMemoryMailbox.likeOffice365("o365:a@b.c:inbox"));
            clouds.add(new InMemoryMailbox("gmail:a@gmail.com:INBOX", EnumSet.of(Flag.READ, Flag.FLAGGED), "trash"));
            boolean twoMaildirs = rnd.nextBoolean();
            targetOf = new int[] {0, twoMaildirs ? 1 : 0};
            Router router = twoMaildirs ? new Router(List.of(new Router.Rule(1, 1, null, null, null))) : Router.defaultOnly();
            List<CloudMailbox> cm = new ArrayList<>(clouds);
            fx = new SyncFixture(dir, twoMaildirs ? 2 : 1, cm, router);
            base.add(new HashMap<>());
            base.add(new HashMap<>());
        }

        void run() throws Exception {
            try {
                fx.start(false);
                for (int i = 0; i < 3; i++) {
                    cloudAdd();
                }
                cycle(null, -1, 0);
                for (int step = 0; step < STEPS; step++) {
                    int op = rnd.nextInt(100);
                    if (op < 14) {
                        cloudAdd();
                    } else if (op < 26) {
                        cloudSetFlags();
                    } else if (op < 32) {
                        cloudRemove();
                    } else if (op < 50) {
                        localFlag();
                    } else if (op < 56) {
                        localDelete();
                    } else if (op < 60) {
                        restart();
                    } else if (op < 70) {
                        Op f = Op.values()[rnd.nextInt(Op.values().length)];
                        cycle(f, rnd.nextInt(clouds.size()), 1 + rnd.nextInt(3));
                    } else {
                        cycle(null, -1, 0);
                    }
                }
                // Quiet point: everything converges (after the restart that the wipe guard's
                // error asks for, when a Maildir was emptied).
                List<Map<ContentHash, Flags>> locals = new ArrayList<>();
                for (int m = 0; m < fx.maildirPaths.size(); m++) {
                    locals.add(fx.local(m));
                }
                if (wipeGuardTrips(locals)) {
                    offline = false;
                    fx.start(false);
                    java.util.Arrays.fill(startup, true);
                    trace.append("restart\n");
                }
                cycle(null, -1, 0);
                cycle(null, -1, 0);
                for (int c = 0; c < clouds.size(); c++) {
                    Map<ContentHash, Flags> local = fx.local(targetOf[c]);
                    for (String id : clouds.get(c).ids()) {
                        Flags l = local.get(SyncFixture.hash(clouds.get(c).body(id)));
                        if (l == null) {
                            fail("not converged: " + clouds.get(c).key() + " " + id + " missing locally\n" + trace);
                        }
                        assertEquals(clouds.get(c).flags(id), l.retain(clouds.get(c).supportedFlags()),
                                "not converged on " + id + "\n" + trace);
                    }
                }
            } finally {
                fx.close();
            }
        }

        // ---- operations

        void cloudAdd() {
            int c = rnd.nextInt(clouds.size());
            String name = "s" + seed + "-" + (counter++);
            Flags f = randomFlags().retain(clouds.get(c).supportedFlags());
            String id = clouds.get(c).add(Messages.message(name), f, null);
            trace.append("cloud add ").append(c).append(' ').append(id).append(' ').append(f.letters()).append('\n');
        }

        void cloudSetFlags() {
            int c = rnd.nextInt(clouds.size());
            String id = pick(clouds.get(c).ids());
            if (id != null) {
                Flags f = randomFlags().retain(clouds.get(c).supportedFlags());
                clouds.get(c).setFlags(id, f);
                trace.append("cloud flags ").append(c).append(' ').append(id).append(' ').append(f.letters()).append('\n');
            }
        }

        void cloudRemove() {
            int c = rnd.nextInt(clouds.size());
            String id = pick(clouds.get(c).ids());
            if (id != null) {
                clouds.get(c).remove(id);
                trace.append("cloud remove ").append(c).append(' ').append(id).append('\n');
            }
        }

        void localFlag() throws IOException {
            int m = rnd.nextInt(fx.maildirPaths.size());
            List<MaildirFile> files = sorted(fx.files(m));
            if (files.isEmpty()) {
                return;
            }
            MaildirFile f = files.get(rnd.nextInt(files.size()));
            char letter = "SFRT".charAt(rnd.nextInt(4));
            String info = f.name().info() == null ? "" : f.name().info();
            String next = info.indexOf(letter) >= 0 ? info.replace(String.valueOf(letter), "") : sortLetters(info + letter);
            SyncFixture.setLetters(f, next);
            trace.append("local ").append(m).append(' ').append(f.name().base()).append(" -> ").append(next).append('\n');
        }

        void localDelete() throws IOException {
            int m = rnd.nextInt(fx.maildirPaths.size());
            List<MaildirFile> files = sorted(fx.files(m));
            if (!files.isEmpty()) {
                MaildirFile f = files.get(rnd.nextInt(files.size()));
                Files.delete(f.path());
                trace.append("local delete ").append(m).append(' ').append(f.name().base()).append('\n');
            }
        }

        void restart() throws IOException {
            offline = rnd.nextInt(3) == 0;
            fx.start(offline);
            java.util.Arrays.fill(startup, true);
            trace.append("restart").append(offline ? " --offline" : "").append('\n');
        }

        // ---- a cycle against the model

        void cycle(Op failOp, int failCloud, int failCount) throws Exception {
            trace.append("cycle").append(failOp == null ? "" : " failing " + failOp + "x" + failCount + " on " + failCloud)
                    .append('\n');
            List<Map<ContentHash, Flags>> localBefore = new ArrayList<>();
            for (int m = 0; m < fx.maildirPaths.size(); m++) {
                localBefore.add(fx.local(m));
            }
            if (wipeGuardTrips(localBefore)) {
                Map<String, Map<String, Flags>> cloudsBefore = new HashMap<>();
                for (InMemoryMailbox cloud : clouds) {
                    cloudsBefore.put(cloud.key(), snapshotOf(cloud));
                }
                CycleReport report = fx.cycle();
                assertFalse(report.ok(), "an emptied Maildir fails the cycle\n" + trace);
                for (InMemoryMailbox cloud : clouds) {
                    assertEquals(cloudsBefore.get(cloud.key()), snapshotOf(cloud), "wipe guard\n" + trace);
                }
                for (int m = 0; m < fx.maildirPaths.size(); m++) {
                    assertEquals(localBefore.get(m), fx.local(m), "wipe guard, Maildir " + m + "\n" + trace);
                }
                return;
            }
            List<Map<String, Flags>> predictedCloud = new ArrayList<>();
            List<Map<String, Flags>> cloudBefore = new ArrayList<>();
            List<Set<String>> servedBefore = new ArrayList<>();
            List<Boolean> pushCalls = new ArrayList<>();
            for (int c = 0; c < clouds.size(); c++) {
                InMemoryMailbox cloud = clouds.get(c);
                Map<String, Flags> now = new HashMap<>();
                for (String id : cloud.ids()) {
                    now.put(id, cloud.flags(id));
                }
                cloudBefore.add(now);
                servedBefore.add(cloud.servedIds());
                Map<String, Flags> predicted = new HashMap<>(now);
                boolean changes = false;
                boolean offlineFirst = startup[c] && offline;
                if (!startup[c] || offline) {
                    Map<ContentHash, Flags> local = localBefore.get(targetOf[c]);
                    for (Map.Entry<String, Flags> e : base.get(c).entrySet()) {
                        String id = e.getKey();
                        if (!now.containsKey(id)) {
                            continue;
                        }
                        Flags l = local.get(SyncFixture.hash(cloud.body(id)));
                        if (l == null) {
                            if (!offlineFirst) {
                                predicted.remove(id);
                                changes = true;
                            }
                        } else if (l.has(Flag.TRASHED)) {
                            predicted.remove(id);
                            changes = true;
                        } else {
                            Flags b = offlineFirst ? now.get(id) : e.getValue();
                            Flags merged = FlagMerge.merge(b, l, now.get(id), cloud.supportedFlags());
                            if (!merged.equals(now.get(id))) {
                                predicted.put(id, merged);
                                changes = true;
                            }
                        }
                    }
                }
                predictedCloud.add(predicted);
                pushCalls.add(changes);
            }
            if (failOp != null) {
                clouds.get(failCloud).failNext(failOp, failCount);
            }

            CycleReport report = fx.cycle();
            for (InMemoryMailbox c : clouds) {
                c.clearFailures();
            }

            // Which mailboxes failed as a whole (nothing committed, nothing forced)?
            boolean[] failed = new boolean[clouds.size()];
            boolean expectError = false;
            if (failOp == Op.LIST) {
                failed[failCloud] = true;
                expectError = true;
            } else if (failOp == Op.APPLY && pushCalls.get(failCloud)) {
                failed[failCloud] = true;
                expectError = true;
            }
            List<Map<ContentHash, Flags>> predictedLocal = new ArrayList<>();
            for (int m = 0; m < fx.maildirPaths.size(); m++) {
                predictedLocal.add(new HashMap<>());
            }
            for (int c = 0; c < clouds.size(); c++) {
                InMemoryMailbox cloud = clouds.get(c);
                int m = targetOf[c];
                Map<ContentHash, Flags> before = localBefore.get(m);
                if (failed[c]) {
                    assertEquals(cloudBefore.get(c), snapshotOf(cloud), "failed mailbox changed\n" + trace);
                    for (String id : base.get(c).keySet()) {
                        ContentHash h = SyncFixture.hash(cloud.bodyEver(id));
                        if (before.containsKey(h)) {
                            predictedLocal.get(m).put(h, before.get(h));
                        }
                    }
                    continue;
                }
                assertEquals(predictedCloud.get(c), snapshotOf(cloud), "cloud state of " + cloud.key() + "\n" + trace);
                Set<String> served = cloud.servedIds();
                Map<String, Flags> nextBase = new HashMap<>();
                for (Map.Entry<String, Flags> e : predictedCloud.get(c).entrySet()) {
                    String id = e.getKey();
                    boolean known = base.get(c).containsKey(id) || served.contains(id);
                    if (!known) {
                        expectError = true; // its download failed
                        continue;
                    }
                    if (!servedBefore.get(c).contains(id) && failOp == Op.FETCH && failCloud == c) {
                        // fetched in this very cycle despite failures: fine
                    }
                    ContentHash h = SyncFixture.hash(cloud.body(id));
                    Flags prev = before.get(h);
                    Flags want = prev == null ? Flags.NONE : prev.without(Flag.TRASHED);
                    for (Flag f : cloud.supportedFlags()) {
                        want = want.with(f, e.getValue().has(f));
                    }
                    predictedLocal.get(m).put(h, want);
                    nextBase.put(id, e.getValue());
                }
                base.set(c, nextBase);
            }
            if (failOp == Op.FETCH) {
                // A fetch failure shows only when a body was needed.
                expectError = expectError || !clouds.get(failCloud).servedIds().containsAll(cloudBefore.get(failCloud).keySet());
            }
            for (int m = 0; m < fx.maildirPaths.size(); m++) {
                assertEquals(predictedLocal.get(m), fx.local(m), "Maildir " + m + "\n" + trace);
            }
            assertEquals(!expectError, report.ok(), "cycle outcome " + report.errors() + "\n" + trace);
            for (int c = 0; c < clouds.size(); c++) {
                startup[c] = startup[c] && failed[c];
            }
        }

        /**
         * The engine refuses a cycle in which a Maildir is found empty although two or more
         * messages were routed there, when it could delete in the cloud at all.
         */
        private boolean wipeGuardTrips(List<Map<ContentHash, Flags>> localBefore) {
            boolean mayDelete = offline;
            for (boolean s : startup) {
                mayDelete |= !s;
            }
            for (int m = 0; m < fx.maildirPaths.size() && mayDelete; m++) {
                int expected = 0;
                for (int c = 0; c < clouds.size(); c++) {
                    if (targetOf[c] == m) {
                        expected += base.get(c).size();
                    }
                }
                if (localBefore.get(m).isEmpty() && expected >= 2) {
                    trace.append("  (wipe guard: Maildir ").append(m).append(" emptied)\n");
                    return true;
                }
            }
            return false;
        }

        private static Map<String, Flags> snapshotOf(InMemoryMailbox cloud) {
            Map<String, Flags> m = new HashMap<>();
            for (String id : cloud.ids()) {
                m.put(id, cloud.flags(id));
            }
            return m;
        }

        private Flags randomFlags() {
            Flags f = Flags.NONE;
            for (Flag x : new Flag[] {Flag.READ, Flag.FLAGGED, Flag.REPLIED}) {
                if (rnd.nextBoolean()) {
                    f = f.with(x);
                }
            }
            return f;
        }

        private String pick(Set<String> ids) {
            if (ids.isEmpty()) {
                return null;
            }
            List<String> l = new ArrayList<>(ids);
            l.sort(Comparator.naturalOrder());
            return l.get(rnd.nextInt(l.size()));
        }

        private static List<MaildirFile> sorted(List<MaildirFile> files) {
            List<MaildirFile> l = new ArrayList<>(files);
            l.sort(Comparator.comparing(f -> f.name().base()));
            return l;
        }

        private static String sortLetters(String s) {
            char[] c = s.toCharArray();
            java.util.Arrays.sort(c);
            return new String(c);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
