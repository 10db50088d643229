/**
 * Benchmarks that print figures and assert nothing (DESIGN §11): {@link dev.cms.bench.CoreBenchmark}
 * drives the real sync engine, store, Maildir and daemon against the in-memory provider.
 */
package dev.cms.bench;
