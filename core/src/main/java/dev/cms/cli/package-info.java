/**
 * The command line (picocli commands: the daemon, {@code check}, {@code status}, {@code login},
 * {@code demo}, ...) and the only package that wires the others together: configuration in,
 * stores, providers, logins and the sync engine out. Exceptions map to the exit codes of
 * DESIGN.md (0 ok, 2 configuration error, 3 authentication failure, 1 anything else).
 */
@NullMarked
package dev.cms.cli;

import org.jspecify.annotations.NullMarked;
