package dev.cms.cli;

import picocli.CommandLine.Option;

/** {@code -v}/{@code -q}: read early by {@link Logging}; declared here so picocli accepts them. */
final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "Log debugging detail; show stack traces of errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "Log only warnings and errors.")
    boolean quiet;
}
