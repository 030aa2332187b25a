package org.multiserver.spi;

import java.util.Locale;

/**
 * Who can reach an address, as in the JS reference: a server prints a different address for each scope.
 */
public enum Scope {
    /** This machine only: loopback, unix sockets. */
    DEVICE,
    /** The local network: a private (RFC 1918 or unique-local) address. */
    LOCAL,
    /** Same reach as {@link #LOCAL}; the JS reference accepts both names. */
    PRIVATE,
    /** The internet: a public address, an external host name, an onion service. */
    PUBLIC;

    /** The lower-case name used in addresses and options: {@code device}, {@code local}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scope named {@code label}, case-insensitive. */
    public static Scope fromLabel(String label) {
        for (Scope scope : values()) {
            if (scope.label().equalsIgnoreCase(label.trim())) {
                return scope;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + label + "' (expected device, local, private or public)");
    }

    @Override
    public String toString() {
        return label();
    }
}
