package dev.cms.auth;

/** The small pages of the login server; everything variable is escaped. */
final class Html {
    private Html() {}

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A page; {@code title} is escaped here, {@code bodyHtml} must already be safe HTML. */
    static String page(String title, String bodyHtml) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>" + escape(title) + " - cloud-mdir-sync</title></head>\n<body>\n<h1>"
                + escape(title) + "</h1>\n" + bodyHtml + "\n</body></html>\n";
    }

    static String paragraph(String text) {
        return "<p>" + escape(text) + "</p>";
    }
}
