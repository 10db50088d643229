package dev.cms.bench;

import java.io.IOException;
import java.nio.file.Path;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A JFR recording (the JDK's "profile" settings) of the timed polls only, when the system property
 * {@code cms.bench.pollJfr} names a file: {@code BENCH_JAVA_OPTS=-Dcms.bench.pollJfr=polls.jfr};
 * of the restarts only with {@code cms.bench.restartJfr}.
 */
final class PollRecording implements AutoCloseable {
    static final String PROPERTY = "cms.bench.pollJfr";
    static final String RESTART_PROPERTY = "cms.bench.restartJfr";
    private final Recording recording;
    private final Path file;

    private PollRecording(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    /** Starts a recording of the polls when {@link #PROPERTY} is set; else returns null. */
    static PollRecording startIfAsked() throws IOException {
        return startIfAsked(PROPERTY);
    }

    /** Starts a recording when the system property {@code property} names a file; else returns null. */
    static PollRecording startIfAsked(String property) throws IOException {
        String name = System.getProperty(property);
        if (name == null || name.isEmpty()) {
            return null;
        }
        Recording r;
        try {
            r = new Recording(Configuration.getConfiguration("profile"));
        } catch (java.text.ParseException e) {
            throw new IOException("JFR's profile settings: " + e.getMessage(), e);
        }
        r.start();
        return new PollRecording(r, Path.of(name));
    }

    @Override
    public void close() throws IOException {
        recording.stop();
        recording.dump(file);
        recording.close();
    }
}
