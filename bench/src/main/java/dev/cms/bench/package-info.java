/**
 * Benchmarks that print figures and assert nothing (DESIGN §11): {@link dev.cms.bench.CoreBenchmark}
 * drives the real sync engine, store, Maildir and daemon against the in-memory provider;
 * {@link dev.cms.bench.ProviderBenchmark} drives them with the real Gmail and Office365 providers against
 * the fakes of {@code dev.cms.fakecloud}, run in a separate JVM ({@link dev.cms.bench.FakeCloudServer}).
 */
package dev.cms.bench;
