package dev.cms.sync;

/** One cloud copy of a content: message {@code id} of mailbox {@code cloud}. */
record Source(CloudState cloud, String id) {}
