/**
 * The Office365 adapter of the {@link dev.cms.provider.CloudMailbox} port: {@link
 * dev.cms.provider.graph.GraphMailbox} over the Microsoft Graph v1.0 REST API, with one
 * request wrapper ({@code GraphTransport}) deciding about retries, throttling and tokens.
 */
@NullMarked
package dev.cms.provider.graph;

import org.jspecify.annotations.NullMarked;
