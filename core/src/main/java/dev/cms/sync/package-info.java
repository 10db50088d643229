/**
 * The sync: cycles reconciling the cloud, the state database and the Maildirs, and the daemon
 * that runs them on changes and timers. Nothing here is null unless marked {@code @Nullable}.
 *
 * <p>A cycle, in the order {@link dev.cms.sync.SyncEngine} runs it:
 * <ol>
 *   <li>{@code LocalSide} brings each Maildir's {@code LocalView} up to date (from the watcher's
 *       events, or a listing) and {@code WipeGuard} refuses a Maildir found emptied;
 *   <li>{@code CloudRefresh} lists each mailbox and {@code Downloads} fetches new bodies,
 *       delivering early during a long download;
 *   <li>{@code Cycle} decides what to plan ({@code Scope}, {@code Expected}); {@code PushPlan}
 *       plans each mailbox's cloud changes and {@code Pusher} applies them; {@code LocalUploads}
 *       creates a user's new files in the cloud;
 *   <li>{@code Routing} chooses each new message's Maildir; {@code MaildirPlan} plans each
 *       Maildir's renames, removals, moves to lost+found and deliveries, and
 *       {@code MaildirUpdate} carries them out;
 *   <li>{@code Committer} saves the cycle in one transaction; {@code Bodies} drops bodies nothing
 *       refers to.
 * </ol>
 * The two planners are pure functions of values ({@code PlansTest}); what failed is a
 * {@link dev.cms.sync.Failure} in the {@link dev.cms.sync.CycleReport}.
 */
@NullMarked
package dev.cms.sync;

import org.jspecify.annotations.NullMarked;
