package dev.cms.broker;

import dev.cms.config.AccountSpec;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Test helpers: specs and a raw client that sends exactly the bytes given. */
final class Sockets {
    private Sockets() {}

    static AccountSpec gmail(String user) {
        return new GmailAccountSpec(user, "id", "secret", GmailAccountSpec.DEFAULT_AUTH_ENDPOINT,
                GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, GmailAccountSpec.DEFAULT_API_ENDPOINT,
                new SourcePos(Path.of("cms.cfg"), 1, 1));
    }

    static CredentialServerSpec spec(Path path, int umask, Set<String> protocols, String... users) {
        List<AccountSpec> accounts = java.util.Arrays.stream(users).map(Sockets::gmail).toList();
        return new CredentialServerSpec(path, accounts, umask, protocols, new SourcePos(Path.of("cms.cfg"), 3, 1));
    }

    /** Sends {@code request}, shuts down the write side, and returns all the server answered. */
    static String exchange(Path socket, String request) throws Exception {
        return new String(exchange(socket, request.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    static byte[] exchange(Path socket, byte[] request) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            try {
                ByteBuffer b = ByteBuffer.wrap(request);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.shutdownOutput();
            } catch (IOException e) {
                // The server may close early on an oversized request; what it answered still counts.
            }
            return readAll(ch);
        }
    }

    /** Reads to EOF, failing the test if that takes more than a generous 20 s. */
    static byte[] readAll(SocketChannel ch) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                Channels.newInputStream(ch).transferTo(out);
            } catch (IOException e) {
                // Reset by the server: treat as closed.
            }
            return out.toByteArray();
        }).get(20, TimeUnit.SECONDS);
    }
}
