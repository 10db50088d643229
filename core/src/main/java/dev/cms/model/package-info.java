/**
 * The domain's values, JDK only: a message's content hash, its flags, a cloud message and its
 * reference. Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.cms.model;

import org.jspecify.annotations.NullMarked;
