/**
 * The OAuth2 token broker (DESIGN §7): {@link dev.cms.broker.CredentialServer} serves fresh
 * access tokens over a unix-domain socket to local mail tools (msmtp, exim, mutt, mbsync), and
 * {@link dev.cms.broker.OAuthCommand} / {@link dev.cms.broker.OAuthMain} ({@code cms-oauth}) is
 * the client that asks for one.
 *
 * <p>The wire protocol, kept from the original program: the client writes
 * {@code PROTO[,opts] user@domain} (an optional trailing newline is tolerated) and shuts down its
 * write side; the server answers {@code user=<user>\x01auth=Bearer <token>\x01\x01} and closes,
 * or closes without a byte when it will not serve the request.
 *
 * <p>Nothing here logs or prints a token except the client's requested output. Parameters and
 * return values are non-null unless documented otherwise.
 */
@NullMarked
package dev.cms.broker;

import org.jspecify.annotations.NullMarked;
