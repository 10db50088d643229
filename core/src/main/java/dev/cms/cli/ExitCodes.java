package dev.cms.cli;

/** The process exit codes (DESIGN §9). */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int CONFIG = 2;
    static final int AUTH = 3;

    private ExitCodes() {}
}
