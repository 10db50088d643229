package dev.cms.cli;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * One Gmail account with a user label "Work" in its own embedded fake, synced whole
 * ({@code GMail_Labels}) under {@code tmp/gmail}: what the whole-account Gmail end-to-end tests
 * share.
 */
abstract class GmailAccountFixture extends FolderLifecycleFixture {
    FakeCloud google;
    FakeGmail gmail;
    /** The id of the label "Work". */
    String work;

    /** The account's address (each test class its own, so their logs tell them apart). */
    abstract String user();

    @BeforeEach
    void gmailAccount() throws Exception {
        google = FakeCloud.start(0);
        gmail = google.gmail();
        gmail.addAccount(user(), "gclient", "gsecret");
        work = gmail.addLabel(user(), "Work");
    }

    @AfterEach
    void stopGmail() {
        google.close();
    }

    /** The {@code GMail_Account(...)} expression for the account. */
    String accountConfig() {
        return "GMail_Account(user=\"" + user() + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                + " auth_endpoint=\"" + google.baseUri() + "oauth2/auth\", token_endpoint=\"" + google.baseUri()
                + "oauth2/token\", api_endpoint=\"" + google.baseUri() + "\")";
    }

    /** The whole account under {@code tmp/gmail}, with {@code extra} arguments of {@code GMail_Labels} (", ..."). */
    String wholeAccount(String extra) {
        return "me = " + accountConfig() + "\nGMail_Labels(me, root=\"" + tmp.resolve("gmail") + "\"" + extra + ")\n";
    }

    Path maildir(String name) {
        return tmp.resolve("gmail").resolve(name);
    }
}
