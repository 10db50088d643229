/**
 * The local state: the SQLite state database (ids, stat index, pending changes), its lock, and
 * the content-addressed message store. Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.cms.store;

import org.jspecify.annotations.NullMarked;
