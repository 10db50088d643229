package dev.cms.bench;

import java.io.IOException;
import java.nio.file.Path;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A JFR recording (the JDK's "profile" settings) of the timed polls only, when the system property
 * {@code cms.bench.pollJfr} names a file: {@code BENCH_JAVA_OPTS=-Dcms.bench.pollJfr=polls.jfr}.
 */
final class PollRecording implements AutoCloseable {
    static final String PROPERTY = "cms.bench.pollJfr";
    private final Recording recording;
    private final Path file;

    private PollRecording(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    /** Starts a recording when the property is set; else returns null. */
    static PollRecording startIfAsked() throws IOException {
        String name = System.getProperty(PROPERTY);
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
