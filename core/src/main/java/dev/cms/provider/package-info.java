/**
 * The cloud port: {@link dev.cms.provider.CloudMailbox} and what the sync engine exchanges with
 * it, with the exceptions a provider reports (authentication needed, mailbox gone, ...). The
 * adapters live in {@code provider.gmail} and {@code provider.graph}.
 */
@NullMarked
package dev.cms.provider;

import org.jspecify.annotations.NullMarked;
