package dev.cms.bench;

import java.nio.file.Path;

/** The java launcher and class path of this JVM, to start the benchmark's other processes with. */
final class JavaProcess {
    private JavaProcess() {}

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        return System.getProperty("java.class.path");
    }
}
