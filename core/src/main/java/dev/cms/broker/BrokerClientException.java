package dev.cms.broker;

import java.io.IOException;

/** The broker client got no token; the message says why and what to check. */
final class BrokerClientException extends IOException {
    private static final long serialVersionUID = 1L;

    BrokerClientException(String message) {
        super(message);
    }

    BrokerClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
