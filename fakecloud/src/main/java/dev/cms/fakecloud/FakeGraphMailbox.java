package dev.cms.fakecloud;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The state of one fake Exchange mailbox. Every method must be called holding the mailbox's
 * monitor ({@code synchronized (mailbox)}); all are O(log n) in the number of messages.
 *
 * <p>Each folder keeps a change log ordered by a mailbox-wide sequence number with at most one
 * entry per message id: a live entry for a message in the folder (re-inserted at the head when
 * it changes) or a tombstone for one that left it. A delta round is then a range scan of the log.
 */
final class FakeGraphMailbox {

    static final List<String> WELL_KNOWN = List.of("inbox", "archive", "deleteditems", "sentitems", "drafts",
            "junkemail");
    private static final Map<String, String> DISPLAY = Map.of("inbox", "Inbox", "archive", "Archive",
            "deleteditems", "Deleted Items", "sentitems", "Sent Items", "drafts", "Drafts", "junkemail", "Junk Email",
            "msgfolderroot", "Top of Information Store");

    /** A folder change-log entry: a message id that is in the folder, or left it. */
    record LogEntry(String id, boolean removed) { }

    static final class Folder {
        final String id;
        String displayName;
        String parentId;
        /** Left out of childFolders listings unless they ask for hidden folders ({@code isHidden}). */
        boolean hidden;
        final Set<String> children = new LinkedHashSet<>();
        final NavigableMap<String, Msg> members = new TreeMap<>();
        final NavigableMap<Long, LogEntry> log = new TreeMap<>();
        final Map<String, Long> logSeq = new HashMap<>();

        Folder(String id, String displayName, String parentId) {
            this.id = id;
            this.displayName = displayName;
            this.parentId = parentId;
        }

        int unread() {
            int n = 0;
            for (Msg m : members.values()) {
                n += m.isRead ? 0 : 1;
            }
            return n;
        }
    }

    static final class Msg {
        String id;
        String folderId;
        final byte[] mime;
        final Instant received;
        final String internetMessageId;
        final String subject;
        boolean isRead;
        String flagStatus;
        Instant modified;
        /** Extended properties by lower-case id ("integer 0x1081") → [canonical id, value]. */
        final Map<String, String[]> props = new LinkedHashMap<>();

        Msg(byte[] mime, Instant received, String internetMessageId, String subject) {
            this.mime = mime;
            this.received = received;
            this.internetMessageId = internetMessageId;
            this.subject = subject;
        }

        String prop(String canonicalId) {
            String[] p = props.get(canonicalId.toLowerCase(Locale.ROOT));
            return p == null ? null : p[1];
        }

        void setProp(String canonicalId, String value) {
            props.put(canonicalId.toLowerCase(Locale.ROOT), new String[] {canonicalId, value});
        }
    }

    final String upn;
    final Map<String, Folder> folders = new HashMap<>();
    final Map<String, String> wellKnown = new HashMap<>();
    final Map<String, Msg> messages = new HashMap<>();
    final String rootId;
    long seq;
    int epoch;
    /**
     * Ids come from a generator seeded by the user, so the same additions in the same order
     * give the same ids in every run (the demo resumes without downloading again).
     */
    private java.util.Random random;
    /** Ids drawn from {@link #random} so far: a restored mailbox draws as many to go on from there. */
    private long idsIssued;

    FakeGraphMailbox(String upn, SecureRandom unused) {
        this.upn = upn;
        this.random = idGenerator(upn);
        this.rootId = newId("AQMkAD");
        Folder root = new Folder(rootId, DISPLAY.get("msgfolderroot"), newId("AQMkAD"));
        folders.put(rootId, root);
        wellKnown.put("msgfolderroot", rootId);
        for (String name : WELL_KNOWN) {
            Folder f = addFolder(rootId, DISPLAY.get(name));
            wellKnown.put(name, f.id);
        }
    }

    private static java.util.Random idGenerator(String upn) {
        return new java.util.Random(0x365L * 31 + upn.toLowerCase(java.util.Locale.ROOT).hashCode());
    }

    String newId(String prefix) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        idsIssued++;
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A folder by id or well-known name (case-insensitive), or null. */
    Folder folder(String idOrName) {
        Folder f = folders.get(idOrName);
        if (f == null) {
            String id = wellKnown.get(idOrName.toLowerCase(Locale.ROOT));
            f = id == null ? null : folders.get(id);
        }
        return f;
    }

    Folder addFolder(String parentId, String displayName) {
        Folder parent = folders.get(parentId);
        for (String child : parent.children) {
            if (folders.get(child).displayName.equalsIgnoreCase(displayName)) {
                throw new IllegalArgumentException("folder '" + displayName + "' already exists under "
                        + parent.displayName + " in " + upn);
            }
        }
        Folder f = new Folder(newId("AQMkAD"), displayName, parentId);
        folders.put(f.id, f);
        parent.children.add(f.id);
        return f;
    }

    /** Whether {@code f} is {@code ancestor} or lies below it. */
    boolean within(Folder f, Folder ancestor) {
        for (Folder at = f; at != null; at = folders.get(at.parentId)) {
            if (at == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code parent} has a child named {@code name} (case ignored) other than {@code except}. */
    boolean nameTaken(Folder parent, String name, Folder except) {
        for (String child : parent.children) {
            Folder c = folders.get(child);
            if (c != except && c.displayName.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Moves folder {@code f} (with its subfolders and messages, ids kept) under {@code to}. */
    void moveFolder(Folder f, Folder to) {
        folders.get(f.parentId).children.remove(f.id);
        to.children.add(f.id);
        f.parentId = to.id;
    }

    /** Removes folder {@code f}, its subfolders and their messages for good; a folder delta reports each removed. */
    void removeFolder(Folder f) {
        for (String child : List.copyOf(f.children)) {
            removeFolder(folders.get(child));
        }
        for (Msg m : List.copyOf(f.members.values())) {
            delete(m);
        }
        folders.get(f.parentId).children.remove(f.id);
        folders.remove(f.id);
        folderLook.remove(f.id);
        folderChanged.put(f.id, ++seq);
    }

    Msg add(Folder folder, byte[] mime, Instant received) {
        String[] ids = headers(mime);
        Msg m = new Msg(mime, received, ids[0], ids[1]);
        m.id = newId("AAkALg");
        m.folderId = folder.id;
        m.flagStatus = "notFlagged";
        m.modified = received;
        messages.put(m.id, m);
        folder.members.put(m.id, m);
        touch(m);
        return m;
    }

    /** Records a change to a message: it moves to the head of its folder's log. */
    void touch(Msg m) {
        Folder f = folders.get(m.folderId);
        Long old = f.logSeq.remove(m.id);
        if (old != null) {
            f.log.remove(old);
        }
        long s = ++seq;
        f.log.put(s, new LogEntry(m.id, false));
        f.logSeq.put(m.id, s);
    }

    private void tombstone(Folder f, String id) {
        Long old = f.logSeq.remove(id);
        if (old != null) {
            f.log.remove(old);
        }
        long s = ++seq;
        f.log.put(s, new LogEntry(id, true));
        f.logSeq.put(id, s);
    }

    /** Moves a message; with {@code keepId} false it is given a new id, as Exchange does without ImmutableId. */
    void move(Msg m, Folder to, boolean keepId, Instant now) {
        Folder from = folders.get(m.folderId);
        from.members.remove(m.id);
        tombstone(from, m.id);
        if (!keepId) {
            messages.remove(m.id);
            m.id = newId("AAkALg");
            messages.put(m.id, m);
        }
        m.folderId = to.id;
        m.modified = now;
        to.members.put(m.id, m);
        touch(m);
    }

    /** Copies a message into {@code to}: a new message with a new id, the same MIME, flags and properties. */
    Msg copy(Msg m, Folder to, Instant now) {
        Msg c = new Msg(m.mime, m.received, m.internetMessageId, m.subject);
        c.id = newId("AAkALg");
        c.folderId = to.id;
        c.isRead = m.isRead;
        c.flagStatus = m.flagStatus;
        c.modified = now;
        c.props.putAll(m.props);
        messages.put(c.id, c);
        to.members.put(c.id, c);
        touch(c);
        return c;
    }

    void delete(Msg m) {
        Folder from = folders.get(m.folderId);
        from.members.remove(m.id);
        messages.remove(m.id);
        tombstone(from, m.id);
    }

    /**
     * What a folder shows of itself (name, parent, counts) as last seen by {@link
     * #refreshFolderChanges}, and the {@link #seq} at which that last changed: a folder delta
     * reports a folder whose visible properties changed, as Exchange's hierarchy sync does, and
     * not one where only a message's flag did.
     */
    private final Map<String, List<Object>> folderLook = new HashMap<>();
    final Map<String, Long> folderChanged = new HashMap<>();

    /** Notes which folders now look different from the last time; returns {@link #seq} after. */
    long refreshFolderChanges() {
        for (Folder f : folders.values()) {
            if (f.id.equals(rootId)) {
                continue;
            }
            List<Object> look = List.of(f.displayName, f.parentId, f.children.size(), f.members.size(), f.unread(),
                    f.hidden);
            if (!look.equals(folderLook.get(f.id))) {
                folderLook.put(f.id, look);
                folderChanged.put(f.id, ++seq);
            }
        }
        return seq;
    }

    List<Folder> children(Folder parent) {
        List<Folder> out = new ArrayList<>();
        for (String id : parent.children) {
            out.add(folders.get(id));
        }
        return out;
    }

    // ---- saved state (the demo resumes its fake cloud); callers hold the monitor -----------

    com.google.gson.JsonObject save(SavedBodies bodies) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("seq", seq);
        o.addProperty("epoch", epoch);
        o.addProperty("idsIssued", idsIssued);
        com.google.gson.JsonObject known = new com.google.gson.JsonObject();
        wellKnown.forEach(known::addProperty);
        o.add("wellKnown", known);
        com.google.gson.JsonArray fs = new com.google.gson.JsonArray();
        for (Folder f : folders.values()) {
            com.google.gson.JsonObject j = new com.google.gson.JsonObject();
            j.addProperty("id", f.id);
            j.addProperty("displayName", f.displayName);
            j.addProperty("isHidden", f.hidden);
            j.addProperty("parentId", f.parentId);
            j.add("children", SavedJson.orderedStrings(f.children));
            com.google.gson.JsonArray log = new com.google.gson.JsonArray();
            f.log.forEach((n, e) -> {
                com.google.gson.JsonArray entry = new com.google.gson.JsonArray();
                entry.add(n);
                entry.add(e.id());
                entry.add(e.removed());
                log.add(entry);
            });
            j.add("log", log);
            fs.add(j);
        }
        o.add("folders", fs);
        com.google.gson.JsonArray ms = new com.google.gson.JsonArray();
        for (Msg m : messages.values()) {
            com.google.gson.JsonObject j = new com.google.gson.JsonObject();
            j.addProperty("id", m.id);
            j.addProperty("folderId", m.folderId);
            j.addProperty("body", bodies.put(m.mime));
            j.addProperty("received", m.received.toString());
            j.addProperty("isRead", m.isRead);
            j.addProperty("flagStatus", m.flagStatus);
            j.addProperty("modified", m.modified.toString());
            com.google.gson.JsonObject props = new com.google.gson.JsonObject();
            m.props.forEach((k, v) -> props.add(k, SavedJson.orderedStrings(List.of(v))));
            j.add("props", props);
            ms.add(j);
        }
        o.add("messages", ms);
        return o;
    }

    void restore(com.google.gson.JsonObject o, SavedBodies bodies) {
        folders.clear();
        wellKnown.clear();
        messages.clear();
        for (Map.Entry<String, com.google.gson.JsonElement> e : o.getAsJsonObject("wellKnown").entrySet()) {
            wellKnown.put(e.getKey(), e.getValue().getAsString());
        }
        for (com.google.gson.JsonElement e : o.getAsJsonArray("folders")) {
            com.google.gson.JsonObject j = e.getAsJsonObject();
            Folder f = new Folder(j.get("id").getAsString(), j.get("displayName").getAsString(),
                    j.get("parentId").getAsString());
            f.hidden = j.has("isHidden") && j.get("isHidden").getAsBoolean();
            f.children.addAll(SavedJson.stringList(j.getAsJsonArray("children")));
            for (com.google.gson.JsonElement le : j.getAsJsonArray("log")) {
                com.google.gson.JsonArray entry = le.getAsJsonArray();
                long n = entry.get(0).getAsLong();
                String id = entry.get(1).getAsString();
                f.log.put(n, new LogEntry(id, entry.get(2).getAsBoolean()));
                f.logSeq.put(id, n);
            }
            folders.put(f.id, f);
        }
        for (com.google.gson.JsonElement e : o.getAsJsonArray("messages")) {
            com.google.gson.JsonObject j = e.getAsJsonObject();
            byte[] mime = bodies.get(j.get("body").getAsString());
            String[] ids = headers(mime);
            Msg m = new Msg(mime, Instant.parse(j.get("received").getAsString()), ids[0], ids[1]);
            m.id = j.get("id").getAsString();
            m.folderId = j.get("folderId").getAsString();
            m.isRead = j.get("isRead").getAsBoolean();
            m.flagStatus = j.get("flagStatus").getAsString();
            m.modified = Instant.parse(j.get("modified").getAsString());
            for (Map.Entry<String, com.google.gson.JsonElement> p : j.getAsJsonObject("props").entrySet()) {
                List<String> v = SavedJson.stringList(p.getValue().getAsJsonArray());
                m.props.put(p.getKey(), v.toArray(new String[0]));
            }
            messages.put(m.id, m);
            folders.get(m.folderId).members.put(m.id, m);
        }
        seq = o.get("seq").getAsLong();
        epoch = o.get("epoch").getAsInt();
        long issued = o.get("idsIssued").getAsLong();
        random = idGenerator(upn);
        idsIssued = 0;
        byte[] skip = new byte[24];
        while (idsIssued < issued) {
            random.nextBytes(skip);
            idsIssued++;
        }
    }

    /** [Message-ID, Subject] from the header block, unfolded; either may be null. */
    private static String[] headers(byte[] mime) {
        int limit = Math.min(mime.length, 64 * 1024);
        String head = new String(mime, 0, limit, StandardCharsets.UTF_8);
        int end = head.indexOf("\r\n\r\n");
        if (end >= 0) {
            head = head.substring(0, end);
        }
        head = head.replaceAll("\r\n[ \t]+", " ");
        String messageId = null;
        String subject = null;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("message-id") && messageId == null) {
                messageId = value;
            } else if (name.equals("subject") && subject == null) {
                subject = value;
            }
        }
        return new String[] {messageId, subject};
    }
}
