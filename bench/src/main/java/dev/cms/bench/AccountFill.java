package dev.cms.bench;

import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.MessageGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A whole account of many folders (Office365) or labels (Gmail) filled with generated mail,
 * spread as a real account's is: most of it in a few folders (inbox, archive, sent, deleted
 * items), a long tail of small ones. Folder number r (0 the largest) holds a share proportional
 * to 1 / (r + 1)^{@value #SKEW}, every folder at least one message when there are enough. On
 * Gmail one message in ten carries a second user label and one in twenty a second and a third
 * (drawn from the same spread). A third of the mail is unread, one message in twenty flagged
 * (starred). Deterministic for the seed.
 */
final class AccountFill {
    static final double SKEW = 1.3;

    /** What was made: the folder or label ids (largest first), messages, Maildir entries expected, raw bytes. */
    record Made(List<String> folderIds, int messages, long placements, long bytes, List<String> sizes) {
        int folders() {
            return folderIds.size();
        }
    }

    private AccountFill() {}

    /** How many of {@code messages} go to each of {@code folders} folders ranked by size. */
    static int[] spread(int folders, int messages) {
        double[] w = new double[folders];
        double sum = 0;
        for (int r = 0; r < folders; r++) {
            w[r] = 1 / Math.pow(r + 1, SKEW);
            sum += w[r];
        }
        int floor = messages >= folders ? 1 : 0;
        int left = messages - floor * folders;
        int[] n = new int[folders];
        int given = 0;
        for (int r = 0; r < folders; r++) {
            n[r] = floor + (int) Math.floor(left * w[r] / sum);
            given += n[r];
        }
        n[0] += messages - given; // the rounding's remainder to the inbox
        return n;
    }

    /**
     * Folders ranked by size: the well-known large folders first, then the user's folders (some
     * nested), drafts and junk last.
     */
    static Made office365(FakeGraph graph, String user, int folders, int messages, int size, long seed) {
        List<String> ranked = new ArrayList<>();
        for (String w : List.of("inbox", "archive", "sentitems", "deleteditems")) {
            ranked.add(graph.folderId(user, w));
        }
        List<String> last = List.of(graph.folderId(user, "drafts"), graph.folderId(user, "junkemail"));
        List<String> parents = new ArrayList<>(List.of("inbox", "msgfolderroot"));
        for (int i = ranked.size() + last.size(); i < folders; i++) {
            String id = graph.addFolder(user, parents.get(i % parents.size()), "Folder " + i);
            ranked.add(id);
            if (i % 25 == 0) {
                parents.add(id); // some depth: folders under folders
            }
        }
        ranked.addAll(last);
        int[] n = spread(ranked.size(), messages);
        MessageGenerator gen = new MessageGenerator(seed, user);
        Random random = new Random(seed);
        long bytes = 0;
        for (int r = 0; r < ranked.size(); r++) {
            for (int k = 0; k < n[r]; k++) {
                MessageGenerator.Generated g = gen.text(bodySize(random, size));
                bytes += g.raw().length;
                graph.addMessage(user, ranked.get(r), g.raw(), g.date(), random.nextInt(3) != 0,
                        random.nextInt(20) == 0 ? "flagged" : "notFlagged", false);
            }
        }
        return new Made(List.copyOf(ranked), messages, messages, bytes, sizes(n));
    }

    static Made gmail(FakeGmail gmail, String user, int labels, int messages, int size, long seed) {
        List<String> ranked = new ArrayList<>(List.of("INBOX", gmail.addLabel(user, "Archive"), "SENT"));
        for (int i = ranked.size() + 1; i < labels; i++) {
            ranked.add(gmail.addLabel(user, i % 4 == 0 ? "Lists/l" + i : "Label " + i));
        }
        ranked.add("DRAFT");
        int[] n = spread(ranked.size(), messages);
        // A drawing of a label by the same spread, for the extra labels.
        double[] cumulative = new double[n.length];
        double c = 0;
        for (int r = 0; r < n.length; r++) {
            c += n[r];
            cumulative[r] = c / messages;
        }
        MessageGenerator gen = new MessageGenerator(seed, user);
        Random random = new Random(seed);
        long bytes = 0;
        long placements = 0;
        for (int r = 0; r < ranked.size(); r++) {
            for (int k = 0; k < n[r]; k++) {
                Set<String> on = new LinkedHashSet<>(List.of(ranked.get(r)));
                int roll = random.nextInt(20);
                int extra = roll == 0 ? 2 : roll <= 2 ? 1 : 0;
                for (int tries = 0; on.size() < 1 + extra && tries < 20; tries++) {
                    int pick = pick(cumulative, random.nextDouble());
                    if (pick >= 3 && pick < ranked.size() - 1) { // user labels only
                        on.add(ranked.get(pick));
                    }
                }
                placements += on.size();
                Set<String> all = new HashSet<>(on);
                if (random.nextInt(3) == 0) {
                    all.add("UNREAD");
                }
                if (random.nextInt(20) == 0) {
                    all.add("STARRED");
                }
                MessageGenerator.Generated g = gen.text(bodySize(random, size));
                bytes += g.raw().length;
                gmail.addMessage(user, g.raw(), g.date(), all);
            }
        }
        return new Made(List.copyOf(ranked), messages, placements, bytes, sizes(n));
    }

    private static int pick(double[] cumulative, double x) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int bodySize(Random random, int size) {
        return size * 3 / 4 + random.nextInt(size / 2 + 1);
    }

    /** The largest folders' sizes and the smallest's, for the report. */
    private static List<String> sizes(int[] n) {
        List<String> out = new ArrayList<>();
        for (int r = 0; r < Math.min(4, n.length); r++) {
            out.add(Integer.toString(n[r]));
        }
        if (n.length > 4) {
            out.add("...");
            out.add(Integer.toString(n[n.length / 2]));
            out.add("...");
            out.add(Integer.toString(n[n.length - 1]));
        }
        return out;
    }
}
