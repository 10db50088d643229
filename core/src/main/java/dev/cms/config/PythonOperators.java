package dev.cms.config;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Python's operators and other punctuation that cms.cfg has no use for, as error messages name them. */
final class PythonOperators {
    private static final Map<String, String> OPERATORS = Map.ofEntries(
            Map.entry("+", "operator `+`"), Map.entry("-", "operator `-`"), Map.entry("*", "operator `*`"),
            Map.entry("/", "operator `/`"), Map.entry("%", "operator `%`"), Map.entry("<", "operator `<`"),
            Map.entry(">", "operator `>`"), Map.entry("!", "operator `!`"), Map.entry("&", "operator `&`"),
            Map.entry("|", "operator `|`"), Map.entry("^", "operator `^`"), Map.entry("~", "operator `~`"),
            Map.entry("@", "decorator or operator `@`"),
            Map.entry(":", "`:` (blocks, slices, dictionaries and annotations)"),
            Map.entry("{", "dictionary or set `{`"), Map.entry("}", "dictionary or set `}`"),
            Map.entry("==", "comparison `==`"), Map.entry("!=", "comparison `!=`"),
            Map.entry("<=", "comparison `<=`"), Map.entry(">=", "comparison `>=`"),
            Map.entry("**", "operator `**`"), Map.entry("//", "operator `//`"),
            Map.entry("<<", "operator `<<`"), Map.entry(">>", "operator `>>`"),
            Map.entry("->", "annotation `->`"), Map.entry(":=", "assignment expression `:=`"),
            Map.entry("+=", "augmented assignment `+=`"), Map.entry("-=", "augmented assignment `-=`"),
            Map.entry("*=", "augmented assignment `*=`"), Map.entry("/=", "augmented assignment `/=`"),
            Map.entry("%=", "augmented assignment `%=`"), Map.entry("|=", "augmented assignment `|=`"),
            Map.entry("&=", "augmented assignment `&=`"));

    private PythonOperators() {}

    /** How {@code op} is named in a message ("operator `+`"), or null when it is no such operator. */
    static @Nullable String describe(String op) {
        return OPERATORS.get(op);
    }
}
