package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoresTest {
    private static final String ACCOUNT = "bob@example.org";
    private static final String SECRET = "M.R3_BAY.refresh-token-of-bob";

    @TempDir
    Path dir;

    private final InMemorySecretBlobs blobs = new InMemorySecretBlobs();

    @Test
    void withNoKeySourceTheStoreIsMemoryOnly() throws Exception {
        TokenStore store = TokenStores.open(blobs, Map.of(), null, false);
        assertFalse(store.persistent());
        store.save(ACCOUNT, SECRET);
        assertEquals(SECRET, store.load(ACCOUNT));
        assertTrue(blobs.blobs.isEmpty(), "a memory-only store writes nothing to state.db");
    }

    @Test
    void keyringIsNotTouchedWhenSkipped() throws Exception {
        FakeKeyring keyring = new FakeKeyring(StorageKeys.encode(EncryptedTokenStoreTest.key(5)));
        TokenStore store = TokenStores.open(blobs, Map.of(), null, (KeyringAccess) null);
        assertFalse(store.persistent());
        assertEquals(List.of(), keyring.calls);
    }

    @Test
    void keyFromTheKeyringIsUsed() throws Exception {
        byte[] key = EncryptedTokenStoreTest.key(5);
        FakeKeyring keyring = new FakeKeyring(StorageKeys.encode(key));
        TokenStore store = TokenStores.open(blobs, Map.of(), null, keyring);
        assertTrue(store.persistent());
        store.save(ACCOUNT, SECRET);
        assertEquals(SECRET, TokenStores.withKey(blobs, key).load(ACCOUNT));
        assertEquals(List.of("read"), keyring.calls);
    }

    @Test
    void missingKeyringEntryIsCreatedAndReused() throws Exception {
        FakeKeyring keyring = new FakeKeyring(null);
        TokenStores.open(blobs, Map.of(), null, keyring).save(ACCOUNT, SECRET);
        assertEquals(List.of("read", "write"), keyring.calls);
        assertEquals(32, Base64.getDecoder().decode(keyring.value).length);
        assertEquals(SECRET, TokenStores.open(blobs, Map.of(), null, keyring).load(ACCOUNT));
    }

    @Test
    void keyringFailuresFallThroughToTheNextSource() throws Exception {
        byte[] envKey = EncryptedTokenStoreTest.key(7);
        Map<String, String> env = Map.of("CMS_STORAGE_KEY", StorageKeys.encode(envKey));
        for (Throwable failure : List.of(new IllegalStateException("no D-Bus"), new UnsatisfiedLinkError("no JNA"),
                new NoClassDefFoundError("com/sun/jna/Native"), new Exception("checked"))) {
            FakeKeyring keyring = new FakeKeyring(null);
            keyring.readFailure = failure;
            TokenStore store = TokenStores.open(blobs, env, null, keyring);
            store.save(ACCOUNT, SECRET);
            assertEquals(SECRET, TokenStores.withKey(blobs, envKey).load(ACCOUNT), failure.toString());
        }
    }

    @Test
    void keyringThatCannotStoreANewKeyFallsThrough() throws Exception {
        FakeKeyring keyring = new FakeKeyring(null);
        keyring.writeFailure = new RuntimeException("locked");
        assertFalse(TokenStores.open(blobs, Map.of(), null, keyring).persistent());
    }

    @Test
    void virtualMachineErrorsFromTheKeyringAreNotSwallowed() {
        FakeKeyring keyring = new FakeKeyring(null);
        keyring.readFailure = new OutOfMemoryError("test");
        assertThrows(OutOfMemoryError.class, () -> TokenStores.open(blobs, Map.of(), null, keyring));
    }

    @Test
    void garbageInTheKeyringEntryIsAnError() {
        FakeKeyring keyring = new FakeKeyring("not a key");
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), null, keyring));
        assertThatText(e.getMessage()).contains("cloud_mdir_sync");
    }

    @Test
    void environmentKeyIsUsedAndSurvivesARestart() throws Exception {
        Map<String, String> env = Map.of("CMS_STORAGE_KEY", " " + StorageKeys.encode(EncryptedTokenStoreTest.key(3))
                + "\n");
        TokenStore first = TokenStores.open(blobs, env, null, false);
        assertTrue(first.persistent());
        first.save(ACCOUNT, SECRET);
        assertEquals(SECRET, TokenStores.open(blobs, env, null, false).load(ACCOUNT));
    }

    @Test
    void environmentKeyComesBeforeTheKeyFile() throws Exception {
        Path file = dir.resolve("storage.key");
        Map<String, String> env = Map.of("CMS_STORAGE_KEY", StorageKeys.encode(EncryptedTokenStoreTest.key(3)));
        assertTrue(TokenStores.open(blobs, env, file, false).persistent());
        assertFalse(Files.exists(file), "the key file is not made when the environment has a key");
    }

    @Test
    void badEnvironmentKeysAreErrorsThatNameTheVariableButNotTheValue() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        for (String bad : List.of("not*base64!", shortKey, "", "   ")) {
            StorageKeyException e = assertThrows(StorageKeyException.class,
                    () -> TokenStores.open(blobs, Map.of("CMS_STORAGE_KEY", bad), null, false), bad);
            assertThatText(e.getMessage()).contains("CMS_STORAGE_KEY");
            if (!bad.isBlank()) {
                assertThatText(e.getMessage()).doesNotContain(bad);
            }
        }
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of("CMS_STORAGE_KEY", shortKey), null, false));
        assertThatText(e.getMessage()).contains("16 bytes");
    }

    @Test
    void missingKeyFileIsCreatedWithMode0600AndReused() throws Exception {
        Path file = dir.resolve("sub").resolve("storage.key");
        TokenStore first = TokenStores.open(blobs, Map.of(), file, false);
        assertTrue(first.persistent());
        assertTrue(Files.isRegularFile(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        byte[] key = Base64.getDecoder().decode(Files.readString(file).strip());
        assertEquals(32, key.length);
        first.save(ACCOUNT, SECRET);

        TokenStore second = TokenStores.open(blobs, Map.of(), file, false);
        assertEquals(SECRET, second.load(ACCOUNT));
        assertArrayEquals(key, Base64.getDecoder().decode(Files.readString(file).strip()), "the key is kept");
        try (var listing = Files.list(file.getParent())) {
            assertEquals(List.of(file), listing.toList(), "no temporary files are left behind");
        }
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws Exception {
        Path file = dir.resolve("storage.key");
        Files.writeString(file, StorageKeys.encode(EncryptedTokenStoreTest.key(4)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertEquals(file + " has mode 0644; run chmod 600 " + file, e.getMessage());
    }

    @Test
    void keyFileWithExtraPermissionBitsIsRefused() throws Exception {
        Path file = dir.resolve("storage.key");
        Files.writeString(file, StorageKeys.encode(EncryptedTokenStoreTest.key(4)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertThatText(e.getMessage()).contains("0700");
    }

    @Test
    void keyFileThatIsADirectoryIsRefused() throws Exception {
        Path file = Files.createDirectory(dir.resolve("storage.key"));
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertThatText(e.getMessage()).contains(file.toString(), "regular file");
    }

    @Test
    void keyFileWithGarbageIsRefusedWithoutQuotingIt() throws Exception {
        Path file = dir.resolve("storage.key");
        Files.writeString(file, "hunter2-not-a-key", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertThatText(e.getMessage()).contains(file.toString());
        assertThatText(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void keyFileOfAnotherUserIsRefused() throws Exception {
        assumeTrue(new UnixSystem().getUid() == 0, "only root can give a file to another user");
        Path file = dir.resolve("storage.key");
        Files.writeString(file, StorageKeys.encode(EncryptedTokenStoreTest.key(4)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setAttribute(file, "unix:uid", 65534);
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertTrue(e.getMessage().startsWith(file + " is owned by "), e.getMessage());
    }

    @Test
    void keyFileWithBinaryContentIsRefused() throws Exception {
        Path file = dir.resolve("storage.key");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        StorageKeyException e = assertThrows(StorageKeyException.class,
                () -> TokenStores.open(blobs, Map.of(), file, false));
        assertThatText(e.getMessage()).contains(file.toString());
    }

    @Test
    void keyFileWithTrailingWhitespaceIsAccepted() throws Exception {
        Path file = dir.resolve("storage.key");
        byte[] key = EncryptedTokenStoreTest.key(9);
        Files.writeString(file, "  " + StorageKeys.encode(key) + "\n\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        TokenStores.open(blobs, Map.of(), file, false).save(ACCOUNT, SECRET);
        assertEquals(SECRET, TokenStores.withKey(blobs, key).load(ACCOUNT));
    }

    @Test
    void memoryOnlyWarningIsLoggedAtMostOnce() throws Exception {
        String log = EncryptedTokenStoreTest.captureStderr(() -> {
            assertNotNull(TokenStores.open(blobs, Map.of(), null, false));
            assertNotNull(TokenStores.open(blobs, Map.of(), null, false));
        });
        int count = log.split("tokens are kept in memory only", -1).length - 1;
        assertTrue(count <= 1, log);
    }

    @Test
    void keyFileCreationIsLoggedWithoutTheKey() throws Exception {
        Path file = dir.resolve("storage.key");
        String log = EncryptedTokenStoreTest.captureStderr(() -> TokenStores.open(blobs, Map.of(), file, false));
        assertThatText(log).contains(file.toString());
        assertThatText(log).doesNotContain(Files.readString(file).strip());
    }

    /** Records calls; fails as told. */
    static final class FakeKeyring implements KeyringAccess {
        final List<String> calls = new ArrayList<>();
        String value;
        Throwable readFailure;
        Throwable writeFailure;

        FakeKeyring(String value) {
            this.value = value;
        }

        @Override
        public String read() throws Exception {
            calls.add("read");
            throwIfSet(readFailure);
            return value;
        }

        @Override
        public void write(String newValue) throws Exception {
            calls.add("write");
            throwIfSet(writeFailure);
            value = newValue;
        }

        @Override
        public String describe() {
            return "fake keyring entry cloud_mdir_sync/storage";
        }

        private static void throwIfSet(Throwable t) throws Exception {
            if (t instanceof Exception e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    @Test
    void missingEntryInAFakeKeyringStartsEmpty() {
        assertNull(new FakeKeyring(null).value);
    }
}
