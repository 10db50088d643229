package dev.cms.config;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The arguments of one call, bound to the callee's parameter names, with typed accessors. */
final class CallArgs {
    /** A {@code name=value} argument as written. */
    record Keyword(String name, SourcePos namePos, Val value) {}

    private final String call;
    private final SourcePos pos;
    private final Map<String, Val> values = new HashMap<>();
    private final Map<String, SourcePos> keywordPos = new HashMap<>();

    private CallArgs(String call, SourcePos pos) {
        this.call = call;
        this.pos = pos;
    }

    /**
     * Binds positional arguments to {@code params} in order and keywords by name, as Python
     * would, and checks that every one of {@code required} is given.
     */
    static CallArgs bind(String call, SourcePos pos, List<String> params, Set<String> required,
            List<Val> positional, List<Keyword> keywords) throws ConfigException {
        CallArgs a = new CallArgs(call, pos);
        if (positional.size() > params.size()) {
            Val extra = positional.get(params.size());
            throw new ConfigException(extra.pos(), call + "() takes at most " + params.size()
                    + " positional argument" + (params.size() == 1 ? "" : "s") + " (" + String.join(", ", params)
                    + "), got " + positional.size());
        }
        for (int i = 0; i < positional.size(); i++) {
            a.values.put(params.get(i), positional.get(i));
        }
        for (Keyword k : keywords) {
            if (!params.contains(k.name())) {
                throw new ConfigException(k.namePos(), "unknown keyword argument `" + k.name() + "` for " + call
                        + "(); allowed: " + String.join(", ", params) + Names.didYouMean(k.name(), params));
            }
            if (a.values.containsKey(k.name())) {
                throw new ConfigException(k.namePos(), call + "() got `" + k.name()
                        + "` both as a positional and as a keyword argument");
            }
            a.values.put(k.name(), k.value());
            a.keywordPos.put(k.name(), k.namePos());
        }
        for (String p : params) {
            if (required.contains(p) && !a.values.containsKey(p)) {
                throw new ConfigException(pos, call + "() is missing the required argument `" + p + "`");
            }
        }
        return a;
    }

    SourcePos callPos() {
        return pos;
    }

    boolean has(String p) {
        return values.containsKey(p);
    }

    /** The value given for {@code p}, or null when it was not given. */
    @Nullable Val raw(String p) {
        return values.get(p);
    }

    /** Where the value of {@code p} is written (the call when it was not given). */
    SourcePos valuePos(String p) {
        Val v = values.get(p);
        return v == null ? pos : v.pos();
    }

    /** Where {@code p} is named: its keyword, else its value, else the call. */
    SourcePos namePos(String p) {
        SourcePos k = keywordPos.get(p);
        return k != null ? k : valuePos(p);
    }

    /**
     * Argument {@code p} as a {@code type}; null when it is missing (or None, with
     * {@code noneIsNull}). Anything else is an error saying it must be {@code what}.
     */
    private <T> @Nullable T typed(String p, Class<T> type, String what, boolean noneIsNull) throws ConfigException {
        Val v = values.get(p);
        if (v == null || noneIsNull && v.isNone()) {
            return null;
        }
        if (!type.isInstance(v.v())) {
            throw typeError(p, what);
        }
        return type.cast(v.v());
    }

    /** A required string argument. */
    String str(String p) throws ConfigException {
        String s = typed(p, String.class, "a string", false);
        if (s == null) {
            throw typeError(p, "a string");
        }
        return s;
    }

    /** A string argument that may not be None; a missing one is {@code dflt}. */
    String str(String p, String dflt) throws ConfigException {
        String s = typed(p, String.class, "a string", false);
        return s == null ? dflt : s;
    }

    /** A string argument that may be None (then null). */
    @Nullable String optStr(String p) throws ConfigException {
        return typed(p, String.class, "a string or None", true);
    }

    boolean bool(String p, boolean dflt) throws ConfigException {
        Boolean b = typed(p, Boolean.class, "True or False", false);
        return b == null ? dflt : b;
    }

    /** An integer argument in {@code [min, max]}; {@code range} words the bounds for the message. */
    int intIn(String p, int dflt, int min, int max, String range) throws ConfigException {
        Val v = values.get(p);
        if (v == null) {
            return dflt;
        }
        return intIn(v, "`" + p + "`", min, max, range);
    }

    static int intIn(Val v, String what, int min, int max, String range) throws ConfigException {
        if (!(v.v() instanceof BigInteger i)) {
            throw new ConfigException(v.pos(), "expected an integer for " + what + ", got " + v.typeName());
        }
        if (i.compareTo(BigInteger.valueOf(min)) < 0 || i.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(v.pos(), what + " must be " + range + ", got " + i);
        }
        return i.intValue();
    }

    /** A required list argument; {@code expected} words it for the message. */
    List<Val> list(String p, String expected) throws ConfigException {
        Val v = values.get(p);
        if (v == null || !(v.v() instanceof List<?> l)) {
            throw typeError(p, expected);
        }
        return asVals(l);
    }

    /** A list argument; a missing one is {@code dflt}. */
    List<Val> list(String p, List<Val> dflt) throws ConfigException {
        List<Val> l = optList(p);
        return l == null ? dflt : l;
    }

    /** A list argument, or null when it is missing. */
    @Nullable List<Val> optList(String p) throws ConfigException {
        Val v = values.get(p);
        if (v == null) {
            return null;
        }
        if (!(v.v() instanceof List<?> l)) {
            throw typeError(p, "a list");
        }
        return asVals(l);
    }

    /** A required argument of one of the config record types. */
    <T> T spec(String p, Class<T> type, String expected) throws ConfigException {
        Val v = values.get(p);
        if (v == null || !type.isInstance(v.v())) {
            throw typeError(p, expected);
        }
        return type.cast(v.v());
    }

    /** An optional argument of a config record type: None or absent is null. */
    <T> @Nullable T optSpec(String p, Class<T> type, String expected) throws ConfigException {
        Val v = values.get(p);
        if (v == null || v.isNone()) {
            return null;
        }
        return spec(p, type, expected);
    }

    ConfigException typeError(String p, String expected) {
        Val v = values.get(p);
        String got = v == null ? "nothing" : v.typeName();
        return new ConfigException(valuePos(p), call + "(): expected " + expected + " for `" + p + "`, got " + got);
    }

    ConfigException error(String p, String message) {
        return new ConfigException(valuePos(p), message);
    }

    static List<Val> asVals(List<?> l) {
        List<Val> out = new java.util.ArrayList<>(l.size());
        for (Object o : l) {
            out.add((Val) o);
        }
        return out;
    }
}
