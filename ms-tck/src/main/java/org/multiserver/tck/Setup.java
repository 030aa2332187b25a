package org.multiserver.tck;

/**
 * How the kit prepares one end of a connection before any transform runs. Rules build one per side with the
 * chained setters; every field has the plain default (read everything, check nothing, add nothing).
 */
final class Setup {
    BytePattern expect;
    boolean echo;
    boolean autoRead = true;
    boolean coalesce;
    boolean fragment;
    boolean cut;
    EndSplicer.Plan splice;
    byte[] wiretap;
    BytePattern writeOnWrap;
    long writeOnWrapBytes;
    long installDelayNanos;

    static Setup plain() {
        return new Setup();
    }

    /** The tail checks every arriving byte against {@code pattern}. */
    Setup expect(BytePattern pattern) {
        this.expect = pattern;
        return this;
    }

    /** The tail writes back whatever arrives. */
    Setup echo() {
        this.echo = true;
        return this;
    }

    /** Reads nothing until told: auto-read is off from the start. */
    Setup stalled() {
        this.autoRead = false;
        return this;
    }

    /** Adds {@link Coalescer} under the transform: bytes that leave together arrive together. */
    Setup coalesce() {
        this.coalesce = true;
        return this;
    }

    /** Adds {@link Fragmenter} under the transform: every read is cut into pieces of a few bytes. */
    Setup fragment() {
        this.fragment = true;
        return this;
    }

    /** Adds {@link Cutter} under the transform: the rule can end the transport behind the transform's back. */
    Setup cut() {
        this.cut = true;
        return this;
    }

    /**
     * Adds {@link EndSplicer} under the transform, following {@code plan}: the client's splicer sends, the server's
     * receives.
     */
    Setup splice(EndSplicer.Plan plan) {
        this.splice = plan;
        return this;
    }

    /** Adds {@link Wiretap} under the transform, watching the raw input for {@code needle}. */
    Setup wiretap(byte[] needle) {
        this.wiretap = needle.clone();
        return this;
    }

    /**
     * Client side: {@code beforeFirstRead} waits this long before it installs the kit's handlers, which widens the
     * window a transport that calls it too late leaves open.
     */
    Setup slowInstall(long nanos) {
        this.installDelayNanos = nanos;
        return this;
    }

    /** Writes {@code bytes} of {@code pattern} in the very callback that sees the wrap complete. */
    Setup writeOnWrap(BytePattern pattern, long bytes) {
        this.writeOnWrap = pattern;
        this.writeOnWrapBytes = bytes;
        return this;
    }
}
