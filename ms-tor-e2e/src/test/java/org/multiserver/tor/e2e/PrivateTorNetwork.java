package org.multiserver.tor.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Tor network of our own, every tor on 127.0.0.1, that publishes onion services and carries clients to them
 * without ever contacting the public Tor network: every tor names our authorities in DirAuthority lines (with those,
 * tor adds neither the public authorities nor fallback directories) and {@code UseDefaultFallbackDirs 0}. The shape
 * and the options are the ones measured in {@code ../shared/TOR-PRIVATE-NETWORK.md}: at least four relays in all
 * (with three, the service is never reachable), authorities voting every 10 s, then a service tor (no SOCKS port)
 * and a client tor ({@code SocksPort ... ExtendedErrors}).
 *
 * <p>Started in two phases, as measured to be fastest: authorities and relays first; once the authority publishes
 * a consensus that lists every relay as Running, the service and client tors, which then find everything at their
 * first fetch instead of backing off after 404s. Keys and certificates are made per run (certificates expire).
 *
 * <p>Every tor is stopped by its pid in {@link #close}, which a JVM shutdown hook also runs, and every tor watches
 * this JVM ({@code __OwningControllerProcess}) and exits by itself if the JVM dies without running hooks.
 */
final class PrivateTorNetwork implements AutoCloseable {
    /** From the first tor's start to a consensus that lists every relay (typically 10 to 20 s). */
    private static final Duration CONSENSUS_DEADLINE = Duration.ofSeconds(120);
    /** From the service and client tors' start to their Bootstrapped 100% (typically a few seconds). */
    private static final Duration BOOTSTRAP_DEADLINE = Duration.ofSeconds(120);

    private final Path dir;
    private final List<TorNode> nodes = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "private-tor-network-shutdown");
    private TorNode client;
    private TorNode service;
    private TorController serviceControl;
    private TorController clientControl;
    private int socksPort;
    private long startNanos;
    /** From the first tor's start: the consensus listed every relay; the client and service reached 100%. */
    Duration consensusAfter;
    Duration upAfter;

    PrivateTorNetwork(Path dir) {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Makes the keys and torrc files, starts every tor and returns once the client and the service tor are
     * bootstrapped. On failure what was started keeps running until {@link #close}.
     */
    void start(int authorities, int relays) throws Exception {
        if (authorities < 1 || authorities + relays < 4) {
            throw new IllegalArgumentException("a private network needs an authority and at least 4 relays in all"
                    + " (authorities are relays too); with 3 the onion service is never reachable");
        }
        Path emptyDefaults = Files.writeString(dir.resolve("empty-defaults-torrc"), "");
        // Relays look names up through this file (exits only, and we have none): never the machine's resolver.
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\n");

        List<Relay> all = new ArrayList<>();
        for (int i = 0; i < authorities + relays; i++) {
            boolean authority = i < authorities;
            String nick = authority ? "auth" + i : "relay" + i;
            all.add(new Relay(nick, TorNode.dataDirectory(dir, nick), FreePorts.next(),
                    authority ? FreePorts.next() : 0, FreePorts.next()));
        }
        List<Relay> auths = all.subList(0, authorities);
        TorKeys.authorityCertificates(auths);
        TorKeys.fingerprints(all);

        List<String> dirAuthorities = auths.stream().map(a -> "DirAuthority " + a.nick + " orport=" + a.orPort
                + " no-v2 v3ident=" + a.v3ident + " 127.0.0.1:" + a.dirPort + " " + a.fingerprint).toList();
        startNanos = System.nanoTime();
        for (Relay r : all) {
            List<String> torrc = common(r.nick, r.data, r.controlPort, dirAuthorities);
            torrc.addAll(List.of(
                    "SocksPort 0",
                    "ORPort 127.0.0.1:" + r.orPort,
                    "Address 127.0.0.1",
                    "AssumeReachable 1", // else a reachability self-test that takes 20 minutes
                    "ExitRelay 0",
                    "ExitPolicy reject *:*", // onion services need no exit
                    "ServerDNSResolvConfFile " + resolvConf,
                    "ServerDNSDetectHijacking 0",
                    "ServerDNSTestAddresses"));
            if (r.dirPort != 0) {
                torrc.addAll(List.of(
                        "DirPort 127.0.0.1:" + r.dirPort,
                        "AuthoritativeDirectory 1",
                        "V3AuthoritativeDirectory 1",
                        "TestingDirAuthVoteGuard *",
                        "TestingDirAuthVoteExit *",
                        "TestingDirAuthVoteHSDir *",
                        "TestingMinExitFlagThreshold 0",
                        "V3AuthNIntervalsValid 2",
                        // a vote every 10 s, 2 s to collect votes and 2 s to collect signatures
                        "V3AuthVotingInterval 10",
                        "TestingV3AuthInitialVotingInterval 10",
                        "V3AuthVoteDelay 2",
                        "TestingV3AuthInitialVoteDelay 2",
                        "V3AuthDistDelay 2",
                        "TestingV3AuthInitialDistDelay 2"));
            }
            launch(new TorNode(r.nick, r.data, r.controlPort, torrc), emptyDefaults);
        }
        awaitConsensusListing(nodes.get(0), all.stream().map(r -> r.nick).toList());
        consensusAfter = since(startNanos);

        service = launch(node("service", dirAuthorities, List.of("SocksPort 0")), emptyDefaults);
        socksPort = FreePorts.next();
        client = launch(node("client", dirAuthorities,
                List.of("SocksPort 127.0.0.1:" + socksPort + " ExtendedErrors")), emptyDefaults);
        long deadline = System.nanoTime() + BOOTSTRAP_DEADLINE.toNanos();
        serviceControl = awaitBootstrapped(service, deadline);
        serviceControl.command("SETEVENTS HS_DESC"); // for descriptorUploaded
        clientControl = awaitBootstrapped(client, deadline);
        clientControl.command("SETEVENTS SIGNAL"); // for forgetCircuits
        upAfter = since(startNanos);
    }

    /** The client tor's SOCKS port (with ExtendedErrors: onion-service failures come as 0xF0 to 0xF7). */
    int socksPort() {
        return socksPort;
    }

    /** The service tor's control port, where onion services are published ({@code onion.control}). */
    int serviceControlPort() {
        return service.controlPort;
    }

    /** Completes when the service tor reports the descriptor of {@code serviceId} uploaded to an HSDir. */
    CompletableFuture<String> descriptorUploaded(String serviceId) {
        return serviceControl.event(e -> e.startsWith("650 HS_DESC UPLOADED " + serviceId + " "));
    }

    /**
     * Makes the client tor forget its circuits and the onion-service state it keeps (descriptors, intro points),
     * as {@code SIGNAL NEWNYM} does, so that its next connection goes through the network as a new client's would.
     * Returns once tor did it: tor answers at once but defers a NEWNYM that comes within 10 s of the last one (its
     * rate limit), and announces each one it carries out with a SIGNAL event.
     */
    void forgetCircuits() throws Exception {
        int mark = clientControl.eventCount();
        clientControl.command("SIGNAL NEWNYM");
        clientControl.eventAfter(mark, e -> e.startsWith("650 SIGNAL NEWNYM")).get(30, TimeUnit.SECONDS);
    }

    /** The client tor, whose log tells what became of a connection (see {@code tor.e2e.log}). */
    TorNode client() {
        return client;
    }

    /** A new control connection to the service tor, authenticated; the caller closes it. */
    TorController serviceController() throws IOException {
        return TorController.open(service);
    }

    /** Every tor we started, in start order. */
    List<TorNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The tors of ours whose pid is still alive: none after {@link #close}. */
    List<String> alive() {
        return nodes.stream().filter(n -> ProcessHandle.of(n.pid()).map(ProcessHandle::isAlive).orElse(false))
                .map(TorNode::toString).toList();
    }

    /**
     * The TCP and UDP sockets our tors hold right now: how many, and those whose ends are not on loopback,
     * described (none when the network keeps to 127.0.0.1). A snapshot from /proc (Linux), not a trace: but a tor
     * that went to the public network would hold connections there (to its guards, to a directory) for minutes.
     */
    Sockets sockets() throws IOException {
        Map<String, TorNode> inodes = new HashMap<>();
        for (TorNode n : nodes) {
            if (!n.isAlive()) {
                continue;
            }
            try (var fds = Files.list(Path.of("/proc", Long.toString(n.pid()), "fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.put(target.substring(8, target.length() - 1), n);
                        }
                    } catch (IOException closedMeanwhile) {
                        // the descriptor went away between list and read
                    }
                }
            }
        }
        List<String> off = new ArrayList<>();
        int seen = 0;
        for (String table : List.of("tcp", "udp", "tcp6", "udp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc/net", table)); // not readString: size 0
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                TorNode owner = inodes.get(f[9]);
                seen += owner != null ? 1 : 0;
                if (owner != null && (!loopback(f[1]) || !(loopback(f[2]) || f[2].matches("0+:0000")))) {
                    off.add(owner + " " + table + " " + f[1] + " -> " + f[2]);
                }
            }
        }
        return new Sockets(seen, off);
    }

    record Sockets(int seen, List<String> offLoopback) {
    }

    /** A /proc/net address ({@code 0100007F:1F90}: little-endian hex) in 127.0.0.0/8, or ::1, or ::ffff:127.x. */
    private static boolean loopback(String hexAddressAndPort) {
        String a = hexAddressAndPort.substring(0, hexAddressAndPort.indexOf(':'));
        return a.length() == 8 ? a.endsWith("7F")
                : a.equals("00000000000000000000000001000000")
                        || a.startsWith("0000000000000000FFFF0000") && a.endsWith("7F");
    }

    /** Stops every tor by its pid: all are signalled first, then each is waited for (SIGKILL after 10 s). */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    private void stopAll() {
        for (TorController c : new TorController[] {serviceControl, clientControl}) {
            if (c != null) {
                c.close();
            }
        }
        nodes.forEach(TorNode::stop);
        nodes.forEach(TorNode::close);
    }

    // ---- start-up ----

    /** What a relay (an authority is one too) needs in its torrc and in everyone's DirAuthority lines. */
    static final class Relay {
        final String nick;
        final Path data;
        final int orPort;
        final int dirPort; // 0: not an authority
        final int controlPort;
        String v3ident;
        String fingerprint;

        Relay(String nick, Path data, int orPort, int dirPort, int controlPort) {
            this.nick = nick;
            this.data = data;
            this.orPort = orPort;
            this.dirPort = dirPort;
            this.controlPort = controlPort;
        }
    }

    private TorNode node(String nick, List<String> dirAuthorities, List<String> extra) throws IOException {
        Path data = TorNode.dataDirectory(dir, nick);
        int controlPort = FreePorts.next();
        List<String> torrc = common(nick, data, controlPort, dirAuthorities);
        // Fetch from the authorities, not from relay caches that may still lack microdescriptors (a 404 there
        // costs a back-off of about 10 s).
        torrc.add("FetchDirInfoEarly 1");
        // -Dtor.e2e.log=[rend,edge,app]info: more of the client's and the service's log, to see why a dial failed
        String more = System.getProperty("tor.e2e.log");
        if (more != null && !more.isBlank()) {
            torrc.add("Log " + more + " stdout");
        }
        torrc.addAll(extra);
        return new TorNode(nick, data, controlPort, torrc);
    }

    /** The options every tor of the network shares. */
    private static List<String> common(String nick, Path data, int controlPort, List<String> dirAuthorities) {
        List<String> torrc = new ArrayList<>(List.of(
                "TestingTorNetwork 1",
                "UseDefaultFallbackDirs 0",
                "ClientUseIPv6 0",
                "OutboundBindAddress 127.0.0.1",
                "DataDirectory " + data,
                "Nickname " + nick,
                "PidFile " + data.resolve("pid"),
                "RunAsDaemon 0",
                "ControlPort 127.0.0.1:" + controlPort,
                "CookieAuthentication 1",
                "PathsNeededToBuildCircuits 0.67",
                "ShutdownWaitLength 0",
                "Log notice stdout",
                "Log notice file " + data.resolve("notice.log"),
                // tor exits by itself when this JVM is gone, even if it died without running shutdown hooks
                "__OwningControllerProcess " + ProcessHandle.current().pid()));
        torrc.addAll(dirAuthorities);
        return torrc;
    }

    private TorNode launch(TorNode node, Path emptyDefaults) throws IOException {
        nodes.add(node); // before start: close() must stop it whatever happens next
        node.start(emptyDefaults);
        return node;
    }

    /**
     * Waits until the authority's published microdescriptor consensus (the flavour clients use) lists every relay
     * as Running. No polling: the file is read once now and then after each "Published microdesc consensus" line
     * the authority logs (once per voting interval).
     */
    private void awaitConsensusListing(TorNode authority, List<String> nicknames) throws Exception {
        long deadline = startNanos + CONSENSUS_DEADLINE.toNanos();
        Path consensus = authority.dataDirectory.resolve("cached-microdesc-consensus");
        while (true) {
            int mark = authority.logSize();
            Set<String> missing = notRunningIn(consensus, nicknames);
            if (missing.isEmpty()) {
                return;
            }
            try {
                authority.logLineAfter(mark, l -> l.contains("Published microdesc consensus"))
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IOException("after " + CONSENSUS_DEADLINE.toSeconds() + " s the consensus of "
                        + authority + " still does not list " + missing + " as Running; its last lines:\n"
                        + authority.lastLines(15) + "\n" + deadTors());
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    /** The nicknames without an {@code r} line followed by an {@code s} line with Running in the consensus. */
    private static Set<String> notRunningIn(Path consensus, List<String> nicknames) throws IOException {
        Set<String> missing = new LinkedHashSet<>(nicknames);
        if (!Files.exists(consensus)) {
            return missing;
        }
        String router = null;
        for (String line : Files.readAllLines(consensus, StandardCharsets.UTF_8)) {
            if (line.startsWith("r ")) {
                router = line.split(" ")[1];
            } else if (line.startsWith("s ") && router != null && List.of(line.split(" ")).contains("Running")) {
                missing.remove(router);
            }
        }
        return missing;
    }

    /**
     * Waits for Bootstrapped 100% through the control port: subscribes to STATUS_CLIENT events first, then asks
     * {@code GETINFO status/bootstrap-phase} once (it may be done already), then waits for the event. No polling.
     * Returns the control connection, open.
     */
    private TorController awaitBootstrapped(TorNode tor, long deadline) throws Exception {
        TorController control = null;
        try {
            // tor writes its cookie before it logs "Bootstrapped 0%", and opens its control port before both
            tor.logLine(l -> l.contains("Bootstrapped 0%")).get(remaining(deadline), TimeUnit.NANOSECONDS);
            control = TorController.open(tor);
            CompletableFuture<String> done = control.event(e -> e.startsWith("650 STATUS_CLIENT")
                    && e.contains("BOOTSTRAP") && e.contains("PROGRESS=100"));
            control.command("SETEVENTS STATUS_CLIENT");
            if (!control.getInfo("status/bootstrap-phase").contains("PROGRESS=100")) {
                done.get(remaining(deadline), TimeUnit.NANOSECONDS);
            }
            control.command("SETEVENTS"); // no more STATUS_CLIENT events
            return control;
        } catch (TimeoutException e) {
            String phase = control == null ? "its control port not yet open"
                    : control.getInfo("status/bootstrap-phase");
            if (control != null) {
                control.close();
            }
            throw new IOException(tor + " did not bootstrap within " + BOOTSTRAP_DEADLINE.toSeconds() + " s ("
                    + phase + "); its last lines:\n" + tor.lastLines(15) + "\n" + deadTors());
        } catch (ExecutionException e) {
            if (control != null) {
                control.close();
            }
            throw (Exception) e.getCause();
        }
    }

    /** Which tors exited already, if any: the cause of most failures to come up. */
    private String deadTors() {
        List<String> dead = nodes.stream().filter(n -> n.started() && !n.isAlive()).map(TorNode::toString).toList();
        return dead.isEmpty() ? "every tor is still running" : "exited: " + dead;
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
