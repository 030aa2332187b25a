package org.multiserver.unix;

import org.multiserver.spi.Option;

/** Server options of the {@code unix} transport. A listen spec ({@code unix:/run/app.sock}) wins over these. */
public final class UnixOptions {
    private UnixOptions() {
    }

    /**
     * The socket file to serve. Default: {@code socket} in a fresh owner-only directory under {@code java.io.tmpdir},
     * as the JS plugin does; the directory is removed on close.
     */
    public static final Option<String> PATH = Option.string("unix.path", null);
}
