/**
 * Authentication shared by the providers: the encrypted {@link dev.cms.auth.TokenStore} (opened
 * by {@link dev.cms.auth.TokenStores}), the loopback {@link dev.cms.auth.LoginServer} that
 * receives OAuth redirects, {@link dev.cms.auth.BrowserLauncher} and {@link dev.cms.auth.Pkce}.
 *
 * <p>Nothing here logs or prints a token, an authorization code or a storage key. Parameters
 * and return values are non-null unless documented otherwise.
 */
@NullMarked
package dev.cms.auth;

import org.jspecify.annotations.NullMarked;
