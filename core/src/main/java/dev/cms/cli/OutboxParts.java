package dev.cms.cli;

import dev.cms.config.AccountSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.OutboxSpec;
import dev.cms.config.SmtpSubmissionSpec;
import dev.cms.config.SyncConfig;
import dev.cms.send.MailSender;
import dev.cms.send.Outbox;
import dev.cms.send.OutboxServer;
import dev.cms.send.OutboxWorker;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The daemon's sending, wired from an {@code Outbox(...)}: the outbox under the state directory,
 * a sender per account, the worker that sends, the socket {@code cms-sendmail} talks to, and the
 * loopback SMTP submission server when {@code SmtpSubmission(...)} asks for it.
 * After each message sent, {@link #afterSend} runs (the daemon polls, so the Sent folder shows it).
 */
final class OutboxParts implements AutoCloseable {
    final Outbox outbox;
    final OutboxWorker worker;
    final OutboxServer server;
    /** With {@code SmtpSubmission(...)}; else null. */
    final dev.cms.send.@Nullable SmtpSubmission smtp;
    private volatile Runnable afterSend = () -> { };

    private OutboxParts(Outbox outbox, OutboxWorker worker, OutboxServer server,
            dev.cms.send.@Nullable SmtpSubmission smtp) {
        this.outbox = outbox;
        this.worker = worker;
        this.server = server;
        this.smtp = smtp;
    }

    /** Starts the sending {@code spec} (the configuration's {@code Outbox(...)}) asks for. */
    static OutboxParts start(SyncConfig config, OutboxSpec spec, Providers providers, Ticker ticker)
            throws IOException, ConfigException {
        Outbox outbox = Outbox.open(config.settings().messageDbDir());
        Map<String, MailSender> senders = new HashMap<>();
        for (AccountSpec a : spec.accounts()) {
            MailSender s = providers.sender(a);
            if (s != null) {
                senders.put(a.key(), s);
            }
        }
        OutboxParts[] self = new OutboxParts[1];
        // The property is a test seam (see OutboxWorker.UNKNOWN_MIN_WAIT_PROPERTY); users never set it.
        OutboxWorker worker = new OutboxWorker(outbox, senders, ticker, new Random(), account -> {
            if (self[0] != null) {
                self[0].afterSend.run();
            }
        }, OutboxWorker.unknownMinWait(System.getProperty(OutboxWorker.UNKNOWN_MIN_WAIT_PROPERTY)));
        OutboxServer server;
        try {
            server = OutboxServer.start(spec, outbox, senders.keySet(), worker, ticker);
        } catch (IOException | RuntimeException e) {
            worker.close();
            throw e;
        }
        dev.cms.send.@Nullable SmtpSubmission smtp = null;
        SmtpSubmissionSpec smtpSpec = config.smtpSubmission();
        if (smtpSpec != null) {
            try {
                smtp = dev.cms.send.SmtpSubmission.start(smtpSpec, config.settings().messageDbDir(),
                        outbox, worker, ticker);
            } catch (IOException | RuntimeException e) {
                server.close();
                worker.close();
                throw e;
            }
        }
        self[0] = new OutboxParts(outbox, worker, server, smtp);
        worker.start();
        return self[0];
    }

    /** Runs {@code r} after each message sent. */
    void afterSend(Runnable r) {
        afterSend = r;
    }

    @Override
    public void close() {
        if (smtp != null) {
            smtp.close();
        }
        server.close();
        worker.close();
    }
}
