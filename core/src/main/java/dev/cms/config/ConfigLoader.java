package dev.cms.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code cms.cfg} files (DESIGN.md section 8). */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** The largest configuration file read; real ones are a few kilobytes. */
    static final int MAX_BYTES = 1024 * 1024;

    /**
     * Reads and parses a file; a missing or unreadable file, one that is not a regular file
     * (a FIFO, a device such as {@code /dev/zero}) or one over {@link #MAX_BYTES} is a
     * ConfigException naming it.
     */
    public static SyncConfig load(Path file) throws ConfigException {
        byte[] bytes;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new ConfigException(file, Files.isDirectory(file) ? "the configuration file is a directory"
                        : "the configuration file is not a regular file (a pipe or a device?)");
            }
            try (java.io.InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES) {
                throw new ConfigException(file, "the configuration file is larger than " + (MAX_BYTES / 1024)
                        + " KiB; is it the right file?");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(file, "configuration file not found");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException(file, "cannot read the configuration file: permission denied");
        } catch (IOException | SecurityException e) {
            throw new ConfigException(file, "cannot read the configuration file: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, "the configuration file is not valid UTF-8");
        }
        return parse(file, text, UserHome.get());
    }

    /** Parses text as if read from {@code file}; {@code home} is what {@code ~} expands to. */
    public static SyncConfig parse(Path file, String text, Path home) throws ConfigException {
        Interpreter interp = new Interpreter(file, home);
        new Parser(file, text, interp).parseProgram();
        return interp.finish();
    }

    /** A human-readable summary of what {@code config} would sync, for the {@code check} command. */
    public static String describe(SyncConfig config) {
        return Describer.describe(config);
    }
}
