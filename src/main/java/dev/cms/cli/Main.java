package dev.cms.cli;

/** Entry point; the commands are wired in {@code CmsCommand}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(0);
    }
}
