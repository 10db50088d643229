package dev.cms.auth;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code cfg.storage_key_file}: a 0600 file of ours holding the base64 storage key. */
final class StorageKeyFile {
    private static final Logger log = LoggerFactory.getLogger(StorageKeyFile.class);
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private StorageKeyFile() {}

    /** Reads the key, creating the file with a fresh key when it does not exist. */
    static byte[] readOrCreate(Path file, SecureRandom random) throws StorageKeyException, IOException {
        if (!Files.exists(file)) {
            byte[] key = StorageKeys.newKey(random);
            if (create(file, key)) {
                log.info("created storage key file {} with a new random key (mode 0600); keep it private",
                        file);
                return key;
            }
            // Another process created it first: use theirs.
        }
        return read(file);
    }

    static byte[] read(Path file) throws StorageKeyException, IOException {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            throw new StorageKeyException(file + " is on a file system without POSIX permissions;"
                    + " the storage key file must be a mode 0600 file");
        } catch (NoSuchFileException e) {
            throw new StorageKeyException(file + " disappeared while it was being read", e);
        }
        if (!attributes.isRegularFile()) {
            throw new StorageKeyException(file + " is not a regular file; the storage key file must be a regular"
                    + " file with mode 0600");
        }
        if (!ownedByUs(file, attributes)) {
            throw new StorageKeyException(file + " is owned by " + attributes.owner().getName() + ", not by the user"
                    + " running cloud-mdir-sync (" + System.getProperty("user.name") + "); the storage key file"
                    + " must be theirs");
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (!permissions.equals(OWNER_RW)) {
            String mode = octal(permissions);
            throw new StorageKeyException(file + " has mode " + mode + "; run chmod 600 " + file);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (CharacterCodingException e) {
            throw new StorageKeyException("storage key file " + file + " is not valid base64; it must hold the"
                    + " base64 encoding of 32 random bytes");
        }
        return StorageKeys.decode(text, "storage key file " + file);
    }

    private static boolean ownedByUs(Path file, PosixFileAttributes attributes) throws StorageKeyException,
            IOException {
        try {
            Object uid = Files.getAttribute(file, "unix:uid");
            return uid instanceof Integer owner && owner.longValue() == new UnixSystem().getUid();
        } catch (UnsupportedOperationException | IllegalArgumentException | LinkageError e) {
            // No numeric uid to compare: compare names instead.
        }
        String name = System.getProperty("user.name");
        try {
            UserPrincipal me = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return attributes.owner().equals(me);
        } catch (UserPrincipalNotFoundException e) {
            throw new StorageKeyException("cannot tell whether " + file + " belongs to us: user " + name
                    + " is unknown", e);
        }
    }

    /** Writes a new key file atomically; false when the file appeared meanwhile. */
    private static boolean create(Path file, byte[] key) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path temp = Files.createTempFile(dir, ".storage-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_RW));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer data = StandardCharsets.US_ASCII.encode(StorageKeys.encode(key) + "\n");
                while (data.hasRemaining()) {
                    channel.write(data);
                }
                channel.force(true);
            }
            try {
                Files.createLink(file, temp); // fails instead of replacing a file made meanwhile
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(file)) {
                    return false;
                }
                Files.move(temp, file); // no hard links here; refuses to replace as well
            }
            return true;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
