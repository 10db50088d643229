package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.client.googleapis.batch.BatchRequest;
import com.google.api.client.googleapis.batch.json.JsonBatchCallback;
import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.BatchModifyMessagesRequest;
import com.google.api.services.gmail.model.History;
import com.google.api.services.gmail.model.ListHistoryResponse;
import com.google.api.services.gmail.model.ListMessagesResponse;
import com.google.api.services.gmail.model.Message;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Google's own Gmail client (the one the provider uses) must read the fake's answers. */
class GoogleClientCompatibilityTest {
    static final String USER = "dave@example.com";

    FakeCloud cloud;
    Gmail gmail;

    @BeforeEach
    void start() throws Exception {
        cloud = FakeCloud.start(0);
        cloud.gmail().addAccount(USER, "cid", "secret");
        String token = cloud.gmail().issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
        gmail = new Gmail.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(),
                request -> request.getHeaders().setAuthorization("Bearer " + token))
                .setRootUrl(cloud.baseUri().toString()).setApplicationName("cms-test").build();
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    @Test
    void clientListsFetchesModifiesAndReadsHistory() throws Exception {
        MessageGenerator g = new MessageGenerator(3, USER);
        List<byte[]> raws = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            MessageGenerator.Generated m = g.text(2000 + i);
            raws.add(m.raw());
            ids.add(cloud.gmail().addMessage(USER, m.raw(), m.date(), Set.of("INBOX", "UNREAD")));
        }
        BigInteger start = gmail.users().getProfile("me").execute().getHistoryId();

        ListMessagesResponse list = gmail.users().messages().list("me").setLabelIds(List.of("INBOX"))
                .setMaxResults(3L).execute();
        assertEquals(3, list.getMessages().size());
        assertEquals(ids.get(4), list.getMessages().get(0).getId());

        Message raw = gmail.users().messages().get("me", ids.get(1)).setFormat("raw").execute();
        assertArrayEquals(raws.get(1), raw.decodeRaw());

        gmail.users().messages().batchModify("me", new BatchModifyMessagesRequest().setIds(ids.subList(0, 2))
                .setRemoveLabelIds(List.of("UNREAD"))).execute();
        ListHistoryResponse history = gmail.users().history().list("me").setStartHistoryId(start).execute();
        assertEquals(2, history.getHistory().size());
        History h = history.getHistory().get(0);
        assertEquals(List.of("UNREAD"), h.getLabelsRemoved().get(0).getLabelIds());
        assertEquals(BigInteger.valueOf(cloud.gmail().historyId(USER)), history.getHistoryId());

        GoogleJsonResponseException e = org.junit.jupiter.api.Assertions.assertThrows(
                GoogleJsonResponseException.class, () -> gmail.users().messages().get("me", "ffff0000ffff0000").execute());
        assertEquals(404, e.getStatusCode());
        assertEquals("notFound", e.getDetails().getErrors().get(0).getReason());
    }

    @Test
    void clientHttpBatchGetsEveryPart() throws Exception {
        List<String> ids = new ArrayList<>();
        MessageGenerator g = new MessageGenerator(4, USER);
        for (int i = 0; i < 4; i++) {
            MessageGenerator.Generated m = g.text(500);
            ids.add(cloud.gmail().addMessage(USER, m.raw(), m.date(), Set.of("INBOX")));
        }
        ids.add("ffff0000ffff0000");
        List<String> got = new ArrayList<>();
        List<Integer> failed = new ArrayList<>();
        BatchRequest batch = gmail.batch();
        for (String id : ids) {
            gmail.users().messages().get("me", id).setFormat("raw").queue(batch, new JsonBatchCallback<Message>() {
                @Override
                public void onSuccess(Message m, HttpHeaders headers) {
                    got.add(m.getId());
                    assertTrue(m.decodeRaw().length > 500);
                }

                @Override
                public void onFailure(GoogleJsonError error, HttpHeaders headers) {
                    failed.add(error.getCode());
                }
            });
        }
        batch.execute();
        assertEquals(ids.subList(0, 4), got);
        assertEquals(List.of(404), failed);
        assertEquals(5, cloud.requests().entries().stream().filter(RequestLog.Entry::batchPart).count());
    }
}
