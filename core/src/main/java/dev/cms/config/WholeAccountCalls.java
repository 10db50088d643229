package dev.cms.config;

import dev.cms.folders.FolderFilter;
import dev.cms.folders.FolderLayout;
import dev.cms.folders.FolderPattern;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The calls that sync a whole account: {@code Office365_Folders(...)} and {@code GMail_Labels(...)}. */
final class WholeAccountCalls {
    private WholeAccountCalls() {}

    /** {@code Office365_Folders(...)} or {@code GMail_Labels(...)}; {@code paths} expands {@code root}. */
    static WholeAccountSpec parse(CallArgs a, CloudMailboxSpec.Service service, OutboxCalls.PathExpander paths,
            DeleteAction deleteAction) throws ConfigException {
        String call = service == CloudMailboxSpec.Service.GMAIL ? "GMail_Labels" : "Office365_Folders";
        AccountSpec account = service == CloudMailboxSpec.Service.GMAIL
                ? a.spec("account", GmailAccountSpec.class, "a GMail_Account(...)")
                : a.spec("account", Office365AccountSpec.class, "an Office365_Account(...)");
        Path root = paths.expand(a.str("root"), a.valuePos("root"));
        List<FolderPattern> include = patterns(a, call, "include", List.of(new Val("*", a.callPos())));
        List<FolderPattern> exclude = patterns(a, call, "exclude", List.of());
        String allMail = a.has("all_mail") ? a.optStr("all_mail") : null;
        if (allMail != null && allMail.isBlank()) {
            throw a.error("all_mail", call + "(): `all_mail` names the Maildir of every message, like \"All Mail\";"
                    + " write all_mail=None for none");
        }
        String word = a.str("layout", FolderLayout.VERBATIM.word());
        FolderLayout layout = FolderLayout.forWord(word);
        if (layout == null) {
            throw a.error("layout", call + "(): `layout` must be \"verbatim\" or \"maildir++\", got "
                    + Values.repr(word));
        }
        return new WholeAccountSpec(service, account, root, new FolderFilter(include, exclude), allMail, layout,
                deleteAction, a.callPos());
    }

    /** A list of shell-style folder patterns, each checked where it is written. */
    private static List<FolderPattern> patterns(CallArgs a, String call, String p, List<Val> dflt)
            throws ConfigException {
        List<FolderPattern> out = new ArrayList<>();
        for (Val v : a.list(p, dflt)) {
            if (!(v.v() instanceof String s)) {
                throw new ConfigException(v.pos(), call + "(): each pattern in `" + p + "` must be a string like"
                        + " \"Inbox/*\", got " + v.typeName());
            }
            try {
                out.add(FolderPattern.compile(s));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(v.pos(), call + "(): bad pattern " + Values.repr(s) + " in `" + p + "`: "
                        + e.getMessage());
            }
        }
        return out;
    }
}
