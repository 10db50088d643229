package dev.cms.config;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code Route(to, mailbox=None, header=None, equals=None, matches=None)}: messages from
 * {@code mailbox} (any when null) whose header {@code header} equals {@code equals} or
 * matches {@code matches} (any when no header is named) go to {@code to}.
 */
public record RouteSpec(MaildirSpec to, @Nullable CloudMailboxSpec mailbox, @Nullable String header,
        @Nullable String equals, @Nullable Pattern matches, SourcePos pos) {}
