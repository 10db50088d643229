package dev.cms.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxConfigTest {
    @TempDir
    Path dir;

    SyncConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(dir.resolve("cms.cfg"), text, dir);
    }

    String error(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).getMessage();
    }

    static final String ACCOUNTS = "g = GMail_Account(user='a@gmail.example', client_id='c', client_secret='s')\n"
            + "o = Office365_Account(user='b@work.example', client_id='c')\n";

    @Test
    void defaultsSendForEveryAccountOnASocketInTheStateDirectory() throws Exception {
        SyncConfig c = parse(ACCOUNTS + "Outbox()\ncfg.message_db_dir = '" + dir.resolve("st") + "'\n");
        assertEquals(List.of("gmail:a@gmail.example", "o365:b@work.example"),
                c.outbox().accounts().stream().map(AccountSpec::key).toList());
        assertEquals(dir.resolve("st/outbox.sock"), c.outbox().path(), "the state directory set after the call");
        assertEquals(0600, c.outbox().umask());
        assertEquals(true, c.authenticationOnly(), "an Outbox alone is a valid configuration");
    }

    @Test
    void namedAccountsPathAndUmask() throws Exception {
        SyncConfig c = parse(ACCOUNTS + "Outbox(accounts=[o], path='~/s.sock', umask=0o660)\n");
        assertEquals(List.of("o365:b@work.example"), c.outbox().accounts().stream().map(AccountSpec::key).toList());
        assertEquals(dir.resolve("s.sock"), c.outbox().path());
        assertEquals(0660, c.outbox().umask());
    }

    @Test
    void withoutOutboxNothingIsSent() throws Exception {
        assertNull(parse(ACCOUNTS + "MailDir('m')\nGMail('INBOX', g)\n").outbox());
    }

    @Test
    void smtpSubmissionNeedsTheOutboxAndItsAccounts() throws Exception {
        String file = dir.resolve("cms.cfg").toString();
        assertEquals(1587, parse(ACCOUNTS + "Outbox()\nSmtpSubmission()\n").smtpSubmission().port());
        assertEquals(file + ":3:1: SmtpSubmission(...) queues into the outbox: declare an Outbox(...) too",
                error(ACCOUNTS + "SmtpSubmission()\nMailDir('m')\nGMail('INBOX', g)\n"));
        assertEquals(file + ":4:1: SmtpSubmission(): gmail:a@gmail.example is not among the accounts Outbox(...)"
                + " sends for", error(ACCOUNTS + "Outbox(accounts=[o])\nSmtpSubmission(accounts=[g])\n"));
        assertNull(parse(ACCOUNTS + "Outbox()\n").smtpSubmission());
    }

    @Test
    void mistakesNameTheirPlace() {
        String file = dir.resolve("cms.cfg").toString();
        assertEquals(file + ":4:1: Outbox(...) is declared twice (first at line 3); one outbox sends for every account"
                + " it lists", error(ACCOUNTS + "Outbox()\nOutbox()\n"));
        assertEquals(file + ":3:17: Outbox(): `accounts` must list at least one account (or leave it out: every"
                + " account)", error(ACCOUNTS + "Outbox(accounts=[])\n"));
        assertEquals(file + ":3:18: Outbox(): expected an account (Office365_Account(...) or GMail_Account(...)) in"
                + " `accounts`, got a string", error(ACCOUNTS + "Outbox(accounts=['me'])\n"));
        assertEquals(file + ":1:5: Outbox(): an account that sends mail needs its address: add"
                + " user=\"you@example.com\"", error("o = Office365_Account(client_id='c')\nOutbox()\n"));
        assertEquals(file + ":1:1: Outbox(): no account to send for: declare an Office365_Account(...) or"
                + " GMail_Account(...)", error("Outbox()\n"));
        assertEquals(file + ":4:1: Outbox socket /tmp/x.sock is also a CredentialServer's socket; give"
                + " Outbox(path=...) another path",
                error(ACCOUNTS + "CredentialServer('/tmp/x.sock', [g])\nOutbox(path='/tmp/x.sock')\n"));
    }
}
