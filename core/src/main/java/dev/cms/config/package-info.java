/**
 * The {@code cms.cfg} configuration language (DESIGN.md section 8): {@link dev.cms.config.ConfigLoader}
 * reads a file into an immutable {@link dev.cms.config.SyncConfig}. Inside, a lexer, a
 * recursive-descent parser and an interpreter (all package-private) evaluate the file in source
 * order; any problem is a {@link dev.cms.config.ConfigException} reading {@code file:line:column: message}.
 */
@NullMarked
package dev.cms.config;

import org.jspecify.annotations.NullMarked;
