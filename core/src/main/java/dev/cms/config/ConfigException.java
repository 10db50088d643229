package dev.cms.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used. The message reads
 * {@code file:line:column: what is wrong}, with a hint where one helps.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final int column;
    private final String detail;

    public ConfigException(SourcePos pos, String detail) {
        this(pos.file(), pos.line(), pos.column(), detail);
    }

    public ConfigException(Path file, int line, int column, String detail) {
        super(file + ":" + line + ":" + column + ": " + detail);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    /** An error about the file as a whole (missing, unreadable, inconsistent). */
    public ConfigException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
        this.line = 0;
        this.column = 0;
        this.detail = detail;
    }

    public Path file() {
        return file;
    }

    /** 1-based line, or 0 when the error is about the whole file. */
    public int line() {
        return line;
    }

    /** 1-based column, or 0 when the error is about the whole file. */
    public int column() {
        return column;
    }

    /** The message without the position prefix. */
    public String detail() {
        return detail;
    }
}
