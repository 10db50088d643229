package dev.cms.broker;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file's life: refusing a path in use, replacing a stale socket, binding with the
 * configured mode, and removing it again only if it is still ours. Used by the credential server
 * and the outbox's socket.
 */
public final class SocketFiles {
    private static final Logger log = LoggerFactory.getLogger(SocketFiles.class);
    /** sun_path holds 108 bytes including the terminating NUL. */
    private static final int MAX_PATH_BYTES = 107;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketFiles() {}

    /**
     * The permission bits for the configured {@code umask} value. The original program, despite
     * the name, ends by {@code chmod(path, umask)}: the value is the socket's mode itself, so
     * {@code 0o600} lets only the owner connect and {@code 0o666} lets every user who can reach
     * the directory connect (connecting to a unix socket needs write permission on it).
     */
    public static Set<PosixFilePermission> modeFor(int umask) {
        if (umask < 0 || umask > 0777) {
            throw new IllegalArgumentException("umask must be between 0 and 0o777, got 0o" + Integer.toOctalString(umask));
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((umask & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        return perms;
    }

    /** Makes {@code path} free for a new socket: creates its directory, removes a stale socket. */
    public static void prepare(Path path) throws IOException {
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new CredentialServerException(path + " exists and is not a socket; refusing to replace it"
                    + " (remove it or give CredentialServer(...) another path)");
        }
        if (isLive(path)) {
            throw new CredentialServerException(path + " is in use by another running cloud-mdir-sync");
        }
        log.info("Replacing stale credential socket {} (nothing is listening on it)", path);
        try {
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // Gone meanwhile: fine.
        }
    }

    public static boolean isSocket(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
    }

    private static boolean isLive(Path path) throws IOException {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            throw new CredentialServerException("cannot tell whether " + path + " is in use: " + e.getMessage(), e);
        }
    }

    /**
     * Binds {@code server} at {@code path} with {@code mode}. The socket is bound in a fresh
     * private directory beside {@code path}, given its mode there, and renamed into place, so it
     * is never reachable with the process umask's looser mode. Returns the socket file's key.
     */
    public static Object bind(ServerSocketChannel server, Path path, Set<PosixFilePermission> mode) throws IOException {
        Path dir = path.getParent() == null ? Path.of(".") : path.getParent();
        Path staging = null;
        if (bytes(dir) + 1 + 11 + 2 <= MAX_PATH_BYTES) {
            staging = createStaging(dir);
        }
        try {
            Path bindAt = staging == null ? path : staging.resolve("s");
            if (staging == null) {
                log.debug("Binding {} in place: a staging path beside it would be too long", path);
            }
            try {
                server.bind(UnixDomainSocketAddress.of(bindAt));
            } catch (IOException e) {
                throw new CredentialServerException("cannot bind the credential socket " + path + ": " + e.getMessage(), e);
            }
            Files.setPosixFilePermissions(bindAt, mode);
            if (staging != null) {
                Files.move(bindAt, path, StandardCopyOption.ATOMIC_MOVE);
            }
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } finally {
            if (staging != null) {
                Files.deleteIfExists(staging.resolve("s"));
                Files.deleteIfExists(staging);
            }
        }
    }

    private static Path createStaging(Path dir) throws IOException {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[3];
            random.nextBytes(r);
            Path p = dir.resolve(".cms-" + HexFormat.of().formatHex(r));
            try {
                return Files.createDirectory(p, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            } catch (AccessDeniedException e) {
                throw new CredentialServerException("cannot create the credential socket in " + dir
                        + ": permission denied", e);
            }
        }
    }

    /** Removes {@code path} if it is still the socket file with {@code key}. */
    public static void removeIfOurs(Path path, Object key) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (key != null && key.equals(a.fileKey())) {
                Files.delete(path);
            } else {
                log.warn("Not removing {}: it was replaced by another file since this server bound it", path);
            }
        } catch (NoSuchFileException e) {
            log.debug("Credential socket {} was already removed", path);
        } catch (IOException e) {
            log.warn("Cannot remove credential socket {}: {}", path, e.toString());
        }
    }

    private static int bytes(Path p) {
        return p.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
    }

    public static ServerSocketChannel openUnix() throws IOException {
        return ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    }
}
