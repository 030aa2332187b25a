package org.multiserver.core;

import java.util.List;

/**
 * No alternative of an address led to a connection. The message lists every alternative and why it failed or was
 * skipped, one per line. (Named so as not to shadow {@link java.net.ConnectException}, which a transport's attempt
 * may carry as its cause.)
 */
public final class DialException extends java.io.IOException {
    private final String address;
    private final List<Attempt> attempts;

    DialException(String address, List<Attempt> attempts) {
        super(message(address, attempts));
        this.address = address;
        this.attempts = List.copyOf(attempts);
        attempts.stream().map(Attempt::cause).filter(c -> c != null).forEach(this::addSuppressed);
    }

    /** The address that was dialled. */
    public String address() {
        return address;
    }

    /** Every alternative in order, with what happened to it. */
    public List<Attempt> attempts() {
        return attempts;
    }

    /**
     * One alternative and its outcome.
     *
     * @param alternative the alternative's text
     * @param reason      why it failed or was skipped, in words
     * @param skipped     true when no stack understood it, so nothing was tried
     * @param cause       the underlying error, or null
     */
    public record Attempt(String alternative, String reason, boolean skipped, Throwable cause) {
    }

    private static String message(String address, List<Attempt> attempts) {
        StringBuilder out = new StringBuilder("could not connect to ").append(address);
        for (Attempt a : attempts) {
            out.append("\n  ").append(a.alternative()).append(a.skipped() ? ": skipped, " : ": ").append(a.reason());
        }
        return out.toString();
    }
}
