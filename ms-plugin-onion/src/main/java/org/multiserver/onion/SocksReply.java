package org.multiserver.onion;

/** SOCKS5 reply codes in words: RFC 1928's, and tor's extended ones for onion services (its ExtendedErrors flag). */
final class SocksReply {
    private SocksReply() {
    }

    /** {@code 0x04 (host unreachable)}. */
    static String describe(int code) {
        return String.format("0x%02X (%s)", code & 0xff, words(code & 0xff));
    }

    /** tor's extended codes: answers about the onion service, not about the proxy or the path to it. */
    static boolean isAboutTheOnionService(int code) {
        return code >= 0xF0 && code <= 0xF7;
    }

    static String words(int code) {
        return switch (code) {
            case 0x00 -> "succeeded";
            case 0x01 -> "general SOCKS server failure";
            case 0x02 -> "connection not allowed by ruleset";
            case 0x03 -> "network unreachable";
            case 0x04 -> "host unreachable";
            case 0x05 -> "connection refused";
            case 0x06 -> "TTL expired: tor gave up waiting for a circuit or an answer";
            case 0x07 -> "command not supported";
            case 0x08 -> "address type not supported";
            // tor's ExtendedErrors (proposal 304, socks-extensions), for .onion destinations
            case 0xF0 -> "onion service descriptor can not be found: the service is not published, or not yet";
            case 0xF1 -> "onion service descriptor is invalid";
            case 0xF2 -> "onion service introduction failed: the service is no longer at its introduction points,"
                    + " it is likely not running";
            case 0xF3 -> "onion service rendezvous failed";
            case 0xF4 -> "onion service missing client authorization";
            case 0xF5 -> "onion service wrong client authorization";
            case 0xF6 -> "onion service address is invalid";
            case 0xF7 -> "onion service introduction timed out";
            default -> "unknown reply code";
        };
    }
}
