package dev.cms.auth;

/** What a token request does when only an interactive login can give it a token. */
enum LoginMode {
    /** Fails at once (the token broker: it answers at once). */
    NEVER,
    /** Runs the login and waits for it ({@code --once} on a terminal, the broker's background login). */
    WAIT,
    /** Starts the login in the background, or joins the one running, and fails at once (the daemon's cycles). */
    BACKGROUND
}
