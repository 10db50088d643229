package dev.cms.cli;

import picocli.CommandLine;

/** The version, from the jar manifest when packaged. */
final class Version implements CommandLine.IVersionProvider {
    static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"cloud-mdir-sync " + get(), "Java " + System.getProperty("java.version")};
    }
}
