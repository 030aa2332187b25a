package org.multiserver.examples.gzip;

import org.multiserver.spi.Option;

/** Options of the {@code gzip} transform. */
public final class GzipOptions {
    private GzipOptions() {
    }

    /** Deflate level, 0 (store) to 9 (smallest); 6 by default, as gzip(1). Only our side's choice: not in the address. */
    public static final Option<Integer> LEVEL = Option.integer("gzip.level", 6);
}
