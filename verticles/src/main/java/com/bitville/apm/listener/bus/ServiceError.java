package com.bitville.apm.listener.bus;

/** How a service implementation's failure is answered: the reply's failure code and a text safe to show. */
public record ServiceError(int code, String message) {
}
