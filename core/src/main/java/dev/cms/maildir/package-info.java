/**
 * Local Maildir folders (https://cr.yp.to/proto/maildir.html): the file name codec
 * ({@link dev.cms.maildir.MaildirName}), consistent scans, delivery by hard link through
 * {@code tmp/}, flag renames and removal ({@link dev.cms.maildir.MaildirFolder}), and a debounced
 * watcher of {@code cur/} and {@code new/} ({@link dev.cms.maildir.MaildirWatcher}).
 *
 * <p>Parameters and results are never null unless a method says so.
 */
@NullMarked
package dev.cms.maildir;

import org.jspecify.annotations.NullMarked;
