package dev.cms.config;

import java.nio.file.Path;

/** {@code MailDir(path)}: a local Maildir, its path with {@code ~} expanded. */
public record MaildirSpec(Path path, SourcePos pos) {}
