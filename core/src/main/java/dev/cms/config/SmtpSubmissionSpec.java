package dev.cms.config;

import java.util.List;

/**
 * {@code SmtpSubmission(port=1587, accounts=None)}: a loopback SMTP submission server for mail
 * programs that only speak SMTP, queueing into the Outbox for {@code accounts} (the Outbox's when
 * not given). Clients log in with AUTH PLAIN: an account's address and the password kept in
 * {@code <cfg.message_db_dir>/smtp-password}.
 */
public record SmtpSubmissionSpec(int port, List<AccountSpec> accounts, SourcePos pos) {
    public SmtpSubmissionSpec {
        accounts = List.copyOf(accounts);
    }
}
