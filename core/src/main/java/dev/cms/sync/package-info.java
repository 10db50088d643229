/**
 * The sync: one cycle per mailbox ({@link dev.cms.sync.SyncEngine}) reconciling the cloud, the
 * state database and the Maildirs, and the daemon that runs cycles on changes and timers.
 * Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.cms.sync;

import org.jspecify.annotations.NullMarked;
