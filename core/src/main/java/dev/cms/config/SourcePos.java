package dev.cms.config;

import java.nio.file.Path;

/** Where something was written in a configuration file; lines and columns count from 1. */
public record SourcePos(Path file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
