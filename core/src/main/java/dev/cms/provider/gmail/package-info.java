/**
 * The Gmail adapter of the {@link dev.cms.provider.CloudMailbox} port: {@link
 * dev.cms.provider.gmail.GmailMailbox} over Google's Java client, with its own retry,
 * throttling and quota handling ({@code GmailTransport}, {@code QuotaLimiter}).
 */
@NullMarked
package dev.cms.provider.gmail;

import org.jspecify.annotations.NullMarked;
