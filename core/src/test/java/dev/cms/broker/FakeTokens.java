package dev.cms.broker;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Hands out {@code tok-<local part>-<protocol>} and records each call. */
final class FakeTokens implements TokenProvider {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile IOException failure;

    static String tokenFor(String user, String protocol) {
        return "tok-" + user.substring(0, user.indexOf('@')) + "-" + protocol;
    }

    @Override
    public String token(String user, String protocol, Duration minValidity) throws IOException {
        calls.add(protocol + " " + user);
        if (failure != null) {
            throw failure;
        }
        return tokenFor(user, protocol);
    }
}
