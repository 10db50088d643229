package dev.cms.provider.gmail;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.googleapis.services.AbstractGoogleClientRequest;
import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.Draft;
import com.google.api.services.gmail.model.Message;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.RetryClassifier;
import dev.cms.provider.RetryPolicy;
import dev.cms.provider.RetryVerdict;
import dev.cms.provider.LineEnds;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A user's new message into one label ({@link GmailMailbox#upload}): {@code messages.import}
 * (25 quota units) with the message as base64url {@code raw} JSON (above {@value #MAX_JSON_BYTES}
 * bytes, through the upload URI as {@code uploadType=multipart}), the label, {@code UNREAD}
 * unless it is read and {@code STARRED} when flagged; {@code internalDateSource=dateHeader}
 * keeps its date, {@code neverMarkSpam} keeps it out of spam. Lines end in CRLF on the wire.
 *
 * <p>Into the label {@code DRAFT} a message becomes a draft ({@link #draft}): Gmail documents
 * {@code drafts.create} (10 quota units) as the way drafts are made, documents no draft made by
 * {@code messages.import}, and refuses {@code DRAFT} in label edits (400 "Invalid label: DRAFT").
 * A draft's message carries that label only, so it is read and not starred whatever the file's
 * flags; its date is the time it was made.
 *
 * <p>Into All Mail (no label: a null {@code labelId}) a message is imported with no label but
 * its flags', as archived mail.
 *
 * <p>Not idempotent, so retried only when Gmail surely did not take it: an answer of 429, 503,
 * 403 for throttling, 401 (a new token), a connection never made. A connection lost after
 * sending is reported as {@link UploadOutcomeUnknownException} (the engine never sends it
 * again), and so is a 500, 502 or 504 (Gmail may have imported it before failing); 400 and 413
 * as {@link UploadRefusedException}.
 */
final class GmailImport {
    static final int COST_IMPORT = 25;
    static final int COST_DRAFT = 10;
    static final String DRAFT = "DRAFT";
    /** The largest message sent as JSON (Gmail takes about 5 MB of request through the metadata URI). */
    static final long MAX_JSON_BYTES = 3_500_000;
    /** The largest message imported (through the upload URI, one multipart request; held in memory). */
    static final long MAX_BYTES = 25L * 1024 * 1024;

    private final GmailTransport transport;
    private final String key;

    GmailImport(GmailTransport transport, String key) {
        this.transport = transport;
        this.key = key;
    }

    /** Imports {@code mime} into the label {@code labelId} (null: All Mail) with {@code flags}; the new message's id. */
    String upload(@Nullable String labelId, Path mime, Flags flags) throws IOException, InterruptedException {
        return upload(labelId, read(mime), flags);
    }

    /** Imports the message {@code bytes} (CRLF line ends) into the label {@code labelId}; the new message's id. */
    String upload(@Nullable String labelId, byte[] bytes, Flags flags) throws IOException, InterruptedException {
        if (DRAFT.equals(labelId)) {
            return draft(bytes);
        }
        List<String> labels = new ArrayList<>();
        if (labelId != null) {
            labels.add(labelId);
        }
        if (!flags.has(Flag.READ)) {
            labels.add(HistoryDelta.UNREAD);
        }
        if (flags.has(Flag.FLAGGED)) {
            labels.add(HistoryDelta.STARRED);
        }
        Gmail.Users.Messages.GmailImport request;
        if (bytes.length <= MAX_JSON_BYTES) {
            Message body = new Message().setRaw(Base64.getUrlEncoder().encodeToString(bytes)).setLabelIds(labels);
            request = transport.gmail().users().messages().gmailImport(GmailMailbox.ME, body);
        } else {
            request = transport.gmail().users().messages().gmailImport(GmailMailbox.ME,
                    new Message().setLabelIds(labels), new ByteArrayContent("message/rfc822", bytes));
            request.getMediaHttpUploader().setDirectUploadEnabled(true); // one multipart request
        }
        Message made = send("messages.import", COST_IMPORT,
                request.setInternalDateSource("dateHeader").setNeverMarkSpam(true), Message.class);
        return idOf("messages.import", made);
    }

    /**
     * Makes {@code mime} a draft ({@code drafts.create}: the message as base64url {@code raw} in
     * a {@code Draft}, above {@value #MAX_JSON_BYTES} bytes through the upload URI); the id of the
     * draft's message, which listings and history show.
     */
    String draft(byte[] bytes) throws IOException, InterruptedException {
        Gmail.Users.Drafts.Create request;
        if (bytes.length <= MAX_JSON_BYTES) {
            Message body = new Message().setRaw(Base64.getUrlEncoder().encodeToString(bytes));
            request = transport.gmail().users().drafts().create(GmailMailbox.ME, new Draft().setMessage(body));
        } else {
            request = transport.gmail().users().drafts().create(GmailMailbox.ME, new Draft(),
                    new ByteArrayContent("message/rfc822", bytes));
            request.getMediaHttpUploader().setDirectUploadEnabled(true); // one multipart request
        }
        Draft made = send("drafts.create", COST_DRAFT, request, Draft.class);
        return idOf("drafts.create", made == null ? null : made.getMessage());
    }

    /** The file's bytes with CRLF line ends, refused when larger than {@value #MAX_BYTES} bytes. */
    private static byte[] read(Path mime) throws IOException {
        long size = Files.size(mime);
        if (size > MAX_BYTES) {
            throw new UploadRefusedException("larger (" + size + " bytes) than the " + MAX_BYTES
                    + " bytes this program uploads to Gmail");
        }
        return LineEnds.crlf(Files.readAllBytes(mime));
    }

    /** Sends {@code request} once as {@link ImportRetry} allows; 400 and 413 are refusals. */
    private <T> T send(String call, int units, AbstractGoogleClientRequest<?> request, Class<T> type)
            throws IOException, InterruptedException {
        try {
            return transport.execute(call, units, request, type, transport.retries(ImportRetry.INSTANCE));
        } catch (GmailStatusException e) {
            if (e.status() == 400 || e.status() == 413) {
                throw new UploadRefusedException(String.valueOf(e.getMessage()), e);
            }
            throw e;
        }
    }

    private String idOf(String call, @Nullable Message made) throws UploadOutcomeUnknownException {
        if (made == null || made.getId() == null || made.getId().isEmpty()) {
            throw new UploadOutcomeUnknownException(key + ": " + call + " answered without a message id",
                    new IOException("no id"));
        }
        return made.getId();
    }

    /** Gmail's reading of failures, except that a request that may have arrived is not sent again. */
    enum ImportRetry implements RetryClassifier {
        INSTANCE;

        @Override
        public RetryVerdict classify(Attempt attempt, IOException failure) {
            if (failure instanceof HttpResponseException e && RetryPolicy.mayHaveActed(e.getStatusCode())) {
                // A server error may come after the message was imported: never sent again.
                return RetryVerdict.fail(new UploadOutcomeUnknownException(attempt.what() + " may or may not have"
                        + " been taken: HTTP " + e.getStatusCode(), failure));
            }
            if (failure instanceof HttpResponseException || failure instanceof ConnectException
                    || failure instanceof UnknownHostException) {
                return GmailRetry.INSTANCE.classify(attempt, failure);
            }
            return RetryVerdict.fail(new UploadOutcomeUnknownException(attempt.what() + " may or may not have been"
                    + " taken: " + RetryPolicy.inWords(failure), failure));
        }
    }
}
