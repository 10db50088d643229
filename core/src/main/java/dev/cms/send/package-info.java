/**
 * Sending mail (DESIGN §14): {@code cms-sendmail} ({@link dev.cms.send.SendmailMain}) prepares
 * a message the way sendmail would (recipients, {@code Bcc:}, {@code Date:},
 * {@code Message-ID:}) and hands it to the daemon's {@link dev.cms.send.OutboxServer} over a unix
 * socket, or queues it itself when no daemon runs. The daemon's {@link dev.cms.send.OutboxWorker}
 * sends the {@link dev.cms.send.Outbox}'s messages in order through Graph {@code sendMail} or Gmail
 * {@code messages.send}, retrying what may succeed later and moving what the service refuses for
 * good to {@code outbox/failed/}. A message is never lost (it leaves the outbox only once sent or
 * refused) and never sent twice (after an answer that never came, the Sent folder is searched
 * for its {@code Message-ID} before it is sent again).
 *
 * <p>The client side ({@code SendmailMain}, {@code Submission}, {@code OutboxClient}) uses JDK
 * classes and the configuration parser only, so that {@code cms-sendmail} starts fast.
 * Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.cms.send;

import org.jspecify.annotations.NullMarked;
