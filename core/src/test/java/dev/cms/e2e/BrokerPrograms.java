package dev.cms.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs installed programs for the mail-client tests, always with a bounded wait. */
final class BrokerPrograms {
    private BrokerPrograms() {}

    /** A program on PATH (or in /usr/sbin), or null when it is not installed. */
    static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/sbin");
        for (String d : dirs) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    record Result(int exit, String output) {
    }

    /** Runs a command; its output (stdout and stderr together) on success, else an exception saying both. */
    static String run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Result r = run(dir, Map.of(), null, timeout, command);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    /** Runs a command with extra environment and stdin; killed (with its children) after {@code timeout}. */
    static Result run(Path dir, Map<String, String> env, String stdin, Duration timeout, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        pb.redirectOutput(out.toFile());
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException(String.join(" ", command) + " did not finish within " + timeout + ": "
                    + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
