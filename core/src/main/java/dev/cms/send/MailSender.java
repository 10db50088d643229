package dev.cms.send;

import java.io.IOException;

/** Sends messages for one account through its service, and finds them again in its Sent folder. */
public interface MailSender {
    /**
     * Sends {@code message} (CRLF line ends, recipients in its {@code To:}/{@code Cc:}/{@code Bcc:}).
     * Returns when the service accepted it.
     *
     * @throws SendException saying whether it was refused, certainly not sent, or perhaps sent
     */
    void send(byte[] message) throws SendException, InterruptedException;

    /**
     * Whether the account's Sent folder holds a message with this {@code Message-ID} (angle
     * brackets included).
     *
     * @throws SendException ({@link SendException.Kind#NOT_SENT}) when the search itself failed
     */
    boolean inSent(String messageId) throws SendException, InterruptedException;

    /** The account's {@code state.db} key. */
    String accountKey();

}
