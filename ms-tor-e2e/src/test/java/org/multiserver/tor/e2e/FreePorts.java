package org.multiserver.tor.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for tor's torrc files, which must name their ports before tor starts (an authority's ports
 * go into every other tor's DirAuthority line). They are taken below the kernel's ephemeral range on purpose: a port
 * from bind(0) can be handed to any outgoing connection (tor's own, by the hundred) between our check and tor's
 * bind, while a port below that range is only ever taken by someone who asks for it by number.
 */
final class FreePorts {
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    static synchronized int next() throws IOException {
        int high = ephemeralStart() - 1;
        int low = Math.min(10_000, high - 1000);
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high + 1);
            if (GIVEN.contains(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                GIVEN.add(probe.getLocalPort());
                return probe.getLocalPort();
            } catch (IOException taken) {
                // someone has it: try another
            }
        }
        throw new IOException("no free loopback port between " + low + " and " + high + " after 200 tries");
    }

    /** The first port of Linux's ephemeral range (32768 unless configured otherwise). */
    private static int ephemeralStart() {
        // readAllLines, not readString: /proc files report a size of 0, and readString trusts the size
        try {
            int start = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0).trim().split("\\s+")[0]);
            return start > 12_000 ? start : 32768;
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
