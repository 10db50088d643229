/**
 * An embedded, stateful fake of the cloud services the daemon talks to, served over real HTTP
 * on the loopback interface: {@link dev.cms.fakecloud.FakeCloud} hosts the halves (Gmail with
 * Google's OAuth2 endpoints today), {@link dev.cms.fakecloud.FakeFaults} injects failures and
 * {@link dev.cms.fakecloud.RequestLog} records every call. Used by the {@code demo} command,
 * the end-to-end tests and the benchmarks, never by the daemon itself.
 */
package dev.cms.fakecloud;
