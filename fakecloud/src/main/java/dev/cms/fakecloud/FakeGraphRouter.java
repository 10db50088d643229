package dev.cms.fakecloud;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Serves the fake Graph's {@code /v1.0/...} requests ({@code $batch} aside, which
 * {@link FakeMicrosoft} splits into parts that come here): checks the bearer token, resolves
 * {@code /me} or {@code /users/{upn}} to the token's mailbox, applies the mailbox limits, and
 * routes by path and method to the folder, message, new-message and delta requests.
 */
final class FakeGraphRouter {

    private final FakeIdentity identity;
    private final Function<String, FakeGraphMailbox> mailboxes;
    private final FakeGraphLimits limits;
    private final Supplier<CountDownLatch> gate;
    private final FakeGraphFolderRequests folders;
    private final FakeGraphMessages messages;
    private final FakeGraphNewMessages newMessages;
    private final FakeGraphDelta delta;

    /** {@code mailboxes} finds a mailbox by user (null when there is none); {@code gate} is {@link FakeGraph#gate}. */
    FakeGraphRouter(FakeIdentity identity, Function<String, FakeGraphMailbox> mailboxes, FakeGraphLimits limits,
                    Supplier<CountDownLatch> gate, FakeGraphFolderRequests folders, FakeGraphMessages messages,
                    FakeGraphNewMessages newMessages, FakeGraphDelta delta) {
        this.identity = identity;
        this.mailboxes = mailboxes;
        this.limits = limits;
        this.gate = gate;
        this.folders = folders;
        this.messages = messages;
        this.newMessages = newMessages;
        this.delta = delta;
    }

    /** Serves {@code /v1.0/...} except {@code $batch}. */
    FakeMicrosoftResponse handle(FakeMicrosoftRequest request) {
        List<String> seg = new ArrayList<>();
        for (String s : request.path().split("/")) {
            if (!s.isEmpty()) {
                seg.add(s);
            }
        }
        String auth = request.header("authorization");
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken", "Access token is empty.");
        }
        TokenInfo info = identity.tokenInfo(auth.substring(7).trim());
        if (info == null) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired or unknown.");
        }
        if (!FakeIdentity.grantsGraph(info)) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.");
        }
        List<String> rest;
        String prefix;
        if (seg.size() >= 2 && seg.get(1).equals("me")) {
            rest = seg.subList(2, seg.size());
            prefix = "/v1.0/me";
        } else if (seg.size() >= 3 && seg.get(1).equalsIgnoreCase("users")) {
            String who = seg.get(2);
            if (!identity.knowsUser(who) || !identity.user(who).upn().equalsIgnoreCase(info.email())) {
                return FakeMicrosoftResponse.graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
            }
            rest = seg.subList(3, seg.size());
            prefix = "/v1.0/users/" + who;
        } else {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Resource not found for the segment '"
                    + (seg.size() > 1 ? seg.get(1) : "") + "'.");
        }
        FakeGraphMailbox m = mailboxes.apply(info.email());
        if (m == null) {
            return FakeMicrosoftResponse.graphError(404, "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
        }
        FakeMicrosoftResponse refused = limits.enter(m.upn);
        if (refused != null) {
            return refused;
        }
        try {
            CountDownLatch g = gate.get();
            if (g != null) {
                g.await(30, TimeUnit.SECONDS);
            }
            return route(request, m, prefix, rest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FakeMicrosoftResponse.graphError(503, "ServiceUnavailable", "Interrupted.");
        } finally {
            limits.exit(m.upn);
        }
    }

    private FakeMicrosoftResponse route(FakeMicrosoftRequest r, FakeGraphMailbox m, String prefix, List<String> s) {
        String method = r.method();
        int n = s.size();
        if (n >= 1 && s.get(0).equals("mailFolders")) {
            if (n == 1 && method.equals("GET")) {
                return folders.children(r, m, m.rootId, prefix + "/mailFolders");
            }
            if (n == 1 && method.equals("POST")) {
                return folders.create(r, m, m.rootId);
            }
            if (n == 2 && (method.equals("PATCH") || method.equals("DELETE"))) {
                return folders.change(r, m, s.get(1));
            }
            if (n == 3 && (s.get(2).equals("move") || s.get(2).equals("microsoft.graph.move")) && method.equals("POST")) {
                return folders.change(r, m, s.get(1));
            }
            if (n == 2 && (s.get(1).equals("delta") || s.get(1).equals("delta()")) && method.equals("GET")) {
                return delta.folders(r, m, prefix);
            }
            if (n == 2 && method.equals("GET")) {
                return folders.get(m, s.get(1));
            }
            if (n == 3 && s.get(2).equals("childFolders") && method.equals("GET")) {
                return folders.children(r, m, s.get(1), prefix + "/mailFolders/" + s.get(1) + "/childFolders");
            }
            if (n == 3 && s.get(2).equals("childFolders") && method.equals("POST")) {
                return folders.create(r, m, s.get(1));
            }
            if (n == 3 && s.get(2).equals("messages") && method.equals("GET")) {
                return messages.list(r, m, s.get(1), prefix + "/mailFolders/" + s.get(1) + "/messages");
            }
            if (n == 3 && s.get(2).equals("messages") && method.equals("POST")) {
                return newMessages.createDraft(r, m, s.get(1));
            }
            if (n == 4 && s.get(2).equals("messages") && (s.get(3).equals("delta") || s.get(3).equals("delta()"))
                    && method.equals("GET")) {
                return delta.messages(r, m, s.get(1), prefix);
            }
        }
        if (n == 1 && s.get(0).equals("sendMail") && method.equals("POST")) {
            return newMessages.sendMail(r, m);
        }
        if (n == 1 && s.get(0).equals("messages") && method.equals("POST")) {
            return newMessages.createDraft(r, m, "drafts");
        }
        if (n >= 2 && s.get(0).equals("messages")) {
            String id = s.get(1);
            if (n == 2) {
                switch (method) {
                    case "GET": return messages.get(r, m, id);
                    case "PATCH": return messages.patch(r, m, id);
                    case "DELETE": return messages.delete(m, id);
                    default: break;
                }
            }
            if (n == 3 && s.get(2).equals("$value") && method.equals("GET")) {
                return messages.value(m, id);
            }
            if (n == 3 && (s.get(2).equals("move") || s.get(2).equals("microsoft.graph.move")) && method.equals("POST")) {
                return messages.move(r, m, id);
            }
            if (n == 3 && (s.get(2).equals("copy") || s.get(2).equals("microsoft.graph.copy")) && method.equals("POST")) {
                return messages.copy(r, m, id);
            }
        }
        return FakeMicrosoftResponse.graphError(400, "BadRequest", "Unsupported request " + method + " "
                + r.path() + " in the fake Graph.");
    }
}
