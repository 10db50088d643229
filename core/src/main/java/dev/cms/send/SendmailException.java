package dev.cms.send;

/** A message that cannot be taken, with sendmail's exit code and a one-line reason. */
public final class SendmailException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public SendmailException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public SendmailException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** One of {@link SysExits}. */
    public int exitCode() {
        return exitCode;
    }
}
