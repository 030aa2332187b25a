package org.multiserver.tor.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The tests' own connection to a tor's control port, written apart from the code under test: plain cookie
 * authentication, one command at a time, and asynchronous events ({@code 650 ...}) kept in a history so that
 * {@link #event} never misses one that came before it was asked for.
 */
final class TorController implements AutoCloseable {
    private static final List<String> CLOSED = List.of();
    private final String name;
    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<List<String>> replies = new LinkedBlockingQueue<>();
    private final List<String> events = new ArrayList<>();
    private final Map<Predicate<String>, CompletableFuture<String>> waiting = new LinkedHashMap<>();
    private boolean closed;

    private TorController(TorNode tor) throws IOException {
        this.name = tor.toString();
        this.socket = new Socket(InetAddress.getLoopbackAddress(), tor.controlPort);
        this.out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "tor-control-" + tor.nickname);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects and authenticates with the cookie tor wrote (CookieAuthentication 1). */
    static TorController open(TorNode tor) throws IOException {
        TorController c = new TorController(tor);
        try {
            c.command("AUTHENTICATE " + HexFormat.of().formatHex(Files.readAllBytes(tor.cookieFile())));
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Sends one command and returns its reply lines; anything but 250 is an error that quotes the reply. */
    synchronized List<String> command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        List<String> reply;
        try {
            reply = replies.poll(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + name + " to answer " + line, e);
        }
        if (reply == null || reply == CLOSED) {
            throw new IOException(name + " did not answer '" + line + "'" + (reply == null ? " within 30 s"
                    : ": the control connection closed"));
        }
        if (!reply.get(reply.size() - 1).startsWith("250")) {
            throw new IOException(name + " refused '" + line + "': " + String.join(" | ", reply));
        }
        return reply;
    }

    /** {@code GETINFO key}: the value, a data block's lines joined by newlines. */
    String getInfo(String key) throws IOException {
        List<String> reply = command("GETINFO " + key);
        String first = reply.get(0).substring(4);
        if (first.startsWith(key + "=")) {
            return first.substring(key.length() + 1);
        }
        // 250+key=  then the data lines, then "."
        return String.join("\n", reply.subList(1, reply.indexOf(".")));
    }

    /** The first event (its lines joined by newlines) that matches, the ones already received included. */
    CompletableFuture<String> event(Predicate<String> match) {
        return eventAfter(0, match);
    }

    /** How many events came so far: a mark for {@link #eventAfter}. */
    int eventCount() {
        synchronized (events) {
            return events.size();
        }
    }

    /** The first event that matches among those from event {@code mark} on (0-based), and those to come. */
    CompletableFuture<String> eventAfter(int mark, Predicate<String> match) {
        CompletableFuture<String> found = new CompletableFuture<>();
        synchronized (events) {
            events.subList(Math.min(mark, events.size()), events.size()).stream().filter(match).findFirst()
                    .ifPresentOrElse(found::complete, () -> {
                        if (closed) {
                            found.completeExceptionally(new IOException(name + ": the control connection closed"));
                        } else {
                            waiting.put(match, found);
                        }
                    });
        }
        return found;
    }

    /** Splits the stream into replies (to the command queue) and asynchronous events (650, to the history). */
    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII))) {
            List<String> lines = new ArrayList<>();
            boolean data = false;
            for (String l; (l = in.readLine()) != null; ) {
                lines.add(l);
                if (data) {
                    data = !l.equals(".");
                } else if (l.length() >= 4 && l.charAt(3) == '+') {
                    data = true;
                } else if (l.length() >= 4 && l.charAt(3) == ' ') {
                    if (lines.get(0).startsWith("650")) {
                        received(String.join("\n", lines));
                    } else {
                        replies.add(lines);
                    }
                    lines = new ArrayList<>();
                }
            }
        } catch (IOException e) {
            // closed: below
        }
        replies.add(CLOSED);
        synchronized (events) {
            closed = true;
            waiting.values().forEach(f -> f.completeExceptionally(
                    new IOException(name + ": the control connection closed")));
            waiting.clear();
        }
    }

    private void received(String event) {
        synchronized (events) {
            events.add(event);
            for (Iterator<Map.Entry<Predicate<String>, CompletableFuture<String>>> it = waiting.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<Predicate<String>, CompletableFuture<String>> e = it.next();
                if (e.getKey().test(event)) {
                    e.getValue().complete(event);
                    it.remove();
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
