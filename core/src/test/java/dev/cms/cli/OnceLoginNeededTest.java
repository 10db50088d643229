package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.provider.AccessTokenSource;
import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 12, item 3: {@code --once} exits 3 when its cycle failed because a login is needed (a
 * revoked login: the service refuses the token and the refreshed one), on both providers, with
 * the real providers against the embedded fakes; any other failed cycle still exits 1.
 */
class OnceLoginNeededTest {
    static final String GMAIL_USER = "erin@gmail.example";
    static final String O365_USER = "frank@example.com";
    static final String O365_CLIENT = "22222222-3333-4444-5555-666666666666";
    /** What a revoked login leaves: a token the service does not know, and no better one. */
    static final AccessTokenSource REVOKED = force -> "revoked-access-token";

    @TempDir
    Path tmp;

    FakeCloud cloud;
    FakeMicrosoft ms;

    @AfterEach
    void stop() {
        if (cloud != null) {
            cloud.close();
        }
        if (ms != null) {
            ms.close();
        }
    }

    record Result(int code, String err) {}

    private Result once(String mailboxes, Function<CloudMailboxSpec, CloudMailbox> create) throws Exception {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "MailDir(\"" + tmp.resolve("mail") + "\")\n" + mailboxes
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        CommandLine cl = CmsCommand.commandLine();
        ((CmsCommand) cl.getCommand()).providers = (config, db) -> new Providers() {
            @Override
            public CloudMailbox create(CloudMailboxSpec spec) {
                return create.apply(spec);
            }

            @Override
            public void close() {}
        };
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("-c", cfg.toString(), "--once");
        return new Result(code, err.toString());
    }

    @Test
    void gmailRefusingTheLoginExitsThree() throws Exception {
        cloud = FakeCloud.start(0);
        cloud.gmail().addAccount(GMAIL_USER, "client", "secret");
        String base = cloud.baseUri().toString();
        Result r = once("GMail(\"INBOX\", GMail_Account(user=\"" + GMAIL_USER + "\", client_id=\"client\","
                + " client_secret=\"secret\", api_endpoint=\"" + base + "\"))\n", spec -> {
                    GmailOptions d = GmailOptions.defaults();
                    return new GmailMailbox(AccountOptions.gmail((GmailAccountSpec) spec.account()), spec.mailbox(), spec.deleteAction(),
                            REVOKED, new GmailOptions(1e6, 4, Duration.ofSeconds(10), Duration.ofSeconds(10),
                                    d.ticker(), new Random(1)));
                });
        assertEquals(ExitCodes.AUTH, r.code(), r.err());
        assertThatText(r.err()).contains("a new login is needed");
        assertEquals(2, cloud.requests().count("GET", ".*"), "refused, refreshed once, refused again: then no more");
    }

    @Test
    void office365RefusingTheLoginExitsThree() throws Exception {
        ms = FakeMicrosoft.start(0);
        ms.graph().addUser(O365_USER, O365_CLIENT);
        Result r = once("Office365(\"inbox\", Office365_Account(user=\"" + O365_USER + "\", client_id=\""
                + O365_CLIENT + "\", authority_host=\"" + ms.authorityHost() + "\", graph_endpoint=\""
                + ms.graphEndpoint() + "\"))\n", spec -> new GraphMailbox(AccountOptions.graph((Office365AccountSpec) spec.account()),
                        spec.mailbox(), spec.deleteAction(), REVOKED,
                        GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager())));
        assertEquals(ExitCodes.AUTH, r.code(), r.err());
        assertThatText(r.err()).contains("a new login is needed");
    }

    @Test
    void anOrdinaryCycleFailureStillExitsOne() throws Exception {
        InMemoryMailbox box = InMemoryMailbox.likeGmail("gmail:" + GMAIL_USER + ":INBOX");
        box.failNext(InMemoryMailbox.Op.LIST, 1);
        Result r = once("GMail(\"INBOX\", GMail_Account(user=\"" + GMAIL_USER + "\", client_id=\"client\","
                + " client_secret=\"secret\"))\n", spec -> box);
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertThatText(r.err()).contains("injected LIST failure");
    }
}
