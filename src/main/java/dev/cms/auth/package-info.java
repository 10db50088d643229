/**
 * Authentication shared by the providers: the encrypted {@link dev.cms.auth.TokenStore} (opened
 * by {@link dev.cms.auth.TokenStores}), the loopback {@link dev.cms.auth.LoginServer} that
 * receives OAuth redirects, {@link dev.cms.auth.BrowserLauncher} and {@link dev.cms.auth.Pkce};
 * {@link dev.cms.auth.LoginCoordinator}, which shares one login page and one browser run among a
 * daemon's accounts, and {@link dev.cms.auth.GoogleAuth}, the Gmail access-token source.
 *
 * <p>Nothing here logs or prints a token, an authorization code or a storage key. Parameters
 * and return values are non-null unless documented otherwise.
 */
package dev.cms.auth;
