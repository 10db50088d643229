package dev.cms.cli;

/**
 * Configures slf4j-simple before the first logger exists: INFO by default, DEBUG with
 * {@code -v}, WARN with {@code -q}; time-stamped lines on stderr.
 */
final class Logging {
    private Logging() {}

    static void configure(String[] args) {
        String level = "info";
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (a.equals("-v") || a.equals("--verbose")) {
                level = "debug";
            } else if (a.equals("-q") || a.equals("--quiet")) {
                level = "warn";
            }
        }
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", level);
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "MM-dd HH:mm:ss");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showLogName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "false");
        setDefault("org.slf4j.simpleLogger.levelInBrackets", "false");
        // Third-party libraries are quiet unless asked.
        if (!level.equals("debug")) {
            setDefault("org.slf4j.simpleLogger.log.org.sqlite", "warn");
            setDefault("org.slf4j.simpleLogger.log.com.google", "warn");
            setDefault("org.slf4j.simpleLogger.log.com.microsoft", "warn");
            setDefault("org.slf4j.simpleLogger.log.com.azure", "warn");
            // MSAL logs every refused refresh token as a multi-line WARN with correlation ids;
            // Office365Auth already says what happened in one line.
            setDefault("org.slf4j.simpleLogger.log.com.microsoft.aad.msal4j", "error");
        }
    }

    static boolean verbose(String[] args) {
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
