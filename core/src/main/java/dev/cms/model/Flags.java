package dev.cms.model;

import java.util.EnumSet;
import java.util.Set;

/** An immutable set of managed {@link Flag}s, stored as a small bit mask. */
public record Flags(int bits) {
    public static final Flags NONE = new Flags(0);
    private static final int ALL = (1 << Flag.values().length) - 1;

    public Flags {
        if ((bits & ~ALL) != 0) {
            throw new IllegalArgumentException("flag bits out of range: " + bits);
        }
    }

    public static Flags of(Flag... flags) {
        int b = 0;
        for (Flag f : flags) {
            b |= f.bit();
        }
        return new Flags(b);
    }

    public static Flags of(Set<Flag> flags) {
        int b = 0;
        for (Flag f : flags) {
            b |= f.bit();
        }
        return new Flags(b);
    }

    /** The managed flags among Maildir info letters; unknown letters are ignored. */
    public static Flags fromLetters(CharSequence letters) {
        int b = 0;
        for (int i = 0; i < letters.length(); i++) {
            Flag f = Flag.forLetter(letters.charAt(i));
            if (f != null) {
                b |= f.bit();
            }
        }
        return new Flags(b);
    }

    public boolean has(Flag f) {
        return (bits & f.bit()) != 0;
    }

    public Flags with(Flag f, boolean on) {
        return new Flags(on ? bits | f.bit() : bits & ~f.bit());
    }

    public Flags with(Flag f) {
        return with(f, true);
    }

    public Flags without(Flag f) {
        return with(f, false);
    }

    /** Only the flags in {@code mask}. */
    public Flags retain(Set<Flag> mask) {
        return new Flags(bits & of(mask).bits);
    }

    public boolean isEmpty() {
        return bits == 0;
    }

    public Set<Flag> toSet() {
        EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
        for (Flag f : Flag.values()) {
            if (has(f)) {
                s.add(f);
            }
        }
        return s;
    }

    /** Maildir info letters of these flags in ASCII order, e.g. {@code "FRS"}. */
    public String letters() {
        StringBuilder sb = new StringBuilder(4);
        // Flag letters in ASCII order: F, R, S, T.
        for (Flag f : new Flag[] {Flag.FLAGGED, Flag.REPLIED, Flag.READ, Flag.TRASHED}) {
            if (has(f)) {
                sb.append(f.letter());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Flags[" + letters() + "]";
    }
}
