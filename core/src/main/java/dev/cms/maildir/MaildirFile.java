package dev.cms.maildir;

import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import java.nio.file.Path;

/**
 * One message file as seen by a scan: where it is, its parsed name, whether it lies in
 * {@code new/} (else {@code cur/}), and its stat data at scan time.
 */
public record MaildirFile(Path path, MaildirName name, boolean inNew, FileStat stat) {
    /** The managed flags in the file name. */
    public Flags flags() {
        return name.flags();
    }
}
