package dev.cms.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a {@link FakeCloudServer} in its own JVM and talks to it over its stdin and stdout:
 * one command line, one answer line, one at a time (the methods are synchronized).
 */
final class FakeCloudClient implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final Writer out;
    private final Map<String, String> ready;

    private FakeCloudClient(Process process) throws IOException {
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String line = in.readLine();
        if (line == null || !line.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IOException("the fake cloud process ended before it was ready (exit "
                    + (process.isAlive() ? "?" : Integer.toString(process.exitValue())) + "), it said: " + line);
        }
        this.ready = fields(line);
    }

    /** Starts the fake for {@code provider} filled with {@code messages} messages; its stderr goes to ours. */
    static FakeCloudClient start(String provider, int messages, int size, long seed, Path workdir)
            throws IOException {
        // Three copies of each body at most, and about 2 KiB of ids, headers and indexes each.
        long heapMiB = 256 + (long) messages * (size * 3L + 2048) / (1 << 20);
        List<String> cmd = new ArrayList<>(List.of(JavaProcess.java(), "-Xmx" + heapMiB + "m", "-XX:+UseParallelGC",
                "-cp", JavaProcess.classPath(), FakeCloudServer.class.getName(), provider,
                Integer.toString(messages), Integer.toString(size), Long.toString(seed), workdir.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new FakeCloudClient(p);
    }

    /** A field of the READY line: provider, base, user, messages, bytes, truststore. */
    String ready(String key) {
        return ready.get(key);
    }

    synchronized String ask(String command) throws IOException {
        out.write(command);
        out.write('\n');
        out.flush();
        String answer = in.readLine();
        if (answer == null) {
            throw new IOException("the fake cloud process ended while answering '" + command + "'");
        }
        if (answer.startsWith("ERROR ")) {
            throw new IOException("the fake cloud could not answer '" + command + "': " + answer.substring(6));
        }
        return answer.substring(answer.indexOf(' ') + 1);
    }

    /** The request counters since the last {@code clear}. */
    Map<String, String> stats() throws IOException {
        return fields("STATS " + ask("stats"));
    }

    long stat(String key) throws IOException {
        return Long.parseLong(stats().get(key));
    }

    void clear() throws IOException {
        ask("clear");
    }

    static Map<String, String> fields(String line) {
        Map<String, String> m = new HashMap<>();
        for (String w : line.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                m.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return m;
    }

    @Override
    public void close() throws IOException {
        out.close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
