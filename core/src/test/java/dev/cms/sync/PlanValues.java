package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.nio.file.Path;

/**
 * The values planner tests build plans from: a Maildir view whose root does not exist on disk
 * (so a planner that read a file would fail), files added to it by name, hashes by letter.
 */
final class PlanValues {
    static final ContentHash A = hash('a');
    static final ContentHash B = hash('b');
    static final ContentHash C = hash('c');

    final Path root;
    final LocalView view;
    private int inode = 1;

    PlanValues(Path root) {
        this.root = root;
        this.view = new LocalView(root);
    }

    static ContentHash hash(char c) {
        return new ContentHash(String.valueOf(c).repeat(64));
    }

    /** A file of {@code cur/} holding {@code h}, added to the view. */
    MaildirFile file(String name, ContentHash h) {
        MaildirFile f = new MaildirFile(root.resolve("cur").resolve(name), MaildirName.parse(name), false,
                new FileStat(inode++, 10, 1, 1));
        view.add(f, h);
        return f;
    }
}
