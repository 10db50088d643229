package dev.cms.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Plain-words descriptions of file-system errors for the one-line error message. */
final class Errors {
    private Errors() {}

    static String describe(FileSystemException e) {
        String file = e.getFile();
        String reason = e.getReason();
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + file + (reason != null ? " (" + reason + ")" : "")
                    + "; check that you own it and can write to it";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + file + (reason != null ? " (" + reason + ")" : "");
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory: " + file;
        }
        String other = e.getOtherFile();
        StringBuilder b = new StringBuilder(file == null ? "a file" : file);
        if (other != null && !other.equals(file)) {
            b.append(" -> ").append(other);
        }
        return b.append(": ").append(reason != null ? reason : "file system error").toString();
    }

    /** One line for an exception nobody expected; its class name only with {@code -v}. */
    static String describeUnexpected(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return "unexpected internal error; run with -v to see where";
        }
        return m.strip().lines().findFirst().orElse(m);
    }
}
