package dev.cms.auth;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Opens a URL for the user: {@code $BROWSER} when set, else {@code xdg-open} when on the PATH,
 * else the URL is printed. Never waits for the browser.
 */
public final class BrowserLauncher {
    private static final Logger log = LoggerFactory.getLogger(BrowserLauncher.class);

    public enum Via { BROWSER_ENV, XDG_OPEN, PRINTED }

    private BrowserLauncher() {}

    /**
     * Opens {@code url}. {@code $BROWSER} is split on whitespace: its first word is the program,
     * the rest its arguments, and the URL is appended as the last argument (no shell is involved).
     * When a program cannot be started the URL is printed instead.
     *
     * @param env the environment to read {@code BROWSER} and {@code PATH} from
     * @param out where to print the URL when no browser can be started
     * @return which way was used
     */
    public static Via open(URI url, Map<String, String> env, PrintStream out) throws IOException {
        String browser = env.get("BROWSER");
        if (browser != null && !browser.isBlank()) {
            List<String> command = new ArrayList<>(Arrays.asList(browser.strip().split("\\s+")));
            command.add(url.toASCIIString());
            if (launch(command)) {
                return Via.BROWSER_ENV;
            }
        } else {
            Optional<Path> xdgOpen = onPath("xdg-open", env.get("PATH"));
            if (xdgOpen.isPresent() && launch(List.of(xdgOpen.get().toString(), url.toASCIIString()))) {
                return Via.XDG_OPEN;
            }
        }
        out.println("Open this URL in a browser: " + url.toASCIIString());
        out.flush();
        return Via.PRINTED;
    }

    private static boolean launch(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            log.warn("could not start the browser {} ({}); printing the URL instead", command.get(0),
                    e.getMessage());
            return false;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            log.debug("closing the browser's stdin: {}", e.toString());
        }
        Thread drain = new Thread(() -> discard(process.getInputStream()), "browser-output");
        drain.setDaemon(true);
        drain.start();
        log.debug("started the browser {}", command.get(0));
        return true;
    }

    private static void discard(InputStream in) {
        byte[] buffer = new byte[4096];
        try (in) {
            while (in.read(buffer) >= 0) {
                // The browser's chatter is of no use to us; it only must not block on a full pipe.
            }
        } catch (IOException e) {
            log.trace("browser output closed: {}", e.toString());
        }
    }

    static Optional<Path> onPath(String program, @Nullable String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Path.of(dir, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            } catch (InvalidPathException e) {
                log.trace("skipping PATH entry that is not a path");
            }
        }
        return Optional.empty();
    }
}
