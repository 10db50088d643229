package dev.cms.sync;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * A set of objects found by a key they carry, as one array (open addressing, linear probing,
 * deletion by shifting back): for tables with an entry per message that live as long as the
 * daemon, where a map's node per entry would cost more than the entry. The caller keeps at
 * most one element per key and finds elements with their key's hash and a match.
 */
final class ProbeTable<T> {
    private final ToIntFunction<T> keyHash;
    private @Nullable Object[] slots;
    private int size;

    ProbeTable(ToIntFunction<T> keyHash) {
        this(keyHash, 0);
    }

    /** A table sized for {@code expected} elements without growing. */
    ProbeTable(ToIntFunction<T> keyHash, int expected) {
        this.keyHash = keyHash;
        this.slots = new Object[capacityFor(expected)];
    }

    /** The power of two that holds {@code expected} elements at most three quarters full. */
    static int capacityFor(int expected) {
        int capacity = 16;
        while (capacity * 3L / 4 < expected && capacity < 1 << 30) { // as full as add() lets it be
            capacity <<= 1;
        }
        return capacity;
    }

    int size() {
        return size;
    }

    /** The slots the table has now (its memory: one reference each). */
    int capacity() {
        return slots.length;
    }

    /** The element whose key hashes to {@code hash} and that {@code matches}; null when none. */
    @Nullable T find(int hash, Predicate<T> matches) {
        int mask = slots.length - 1;
        for (int i = spread(hash) & mask; slots[i] != null; i = (i + 1) & mask) {
            T t = element(i);
            if (matches.test(t)) {
                return t;
            }
        }
        return null;
    }

    /** Adds {@code t}, whose key no element has. */
    void add(T t) {
        place(slots, t);
        if (++size > slots.length * 3 / 4) {
            @Nullable Object[] old = slots;
            slots = new Object[old.length * 2];
            for (Object o : old) {
                if (o != null) {
                    place(slots, cast(o));
                }
            }
        }
    }

    /** Puts {@code neu}, which has the same key, where {@code old} (this very object) is. */
    void replace(T old, T neu) {
        slots[slotOf(old)] = neu;
    }

    /** Removes {@code t} (this very object). */
    void remove(T t) {
        int hole = slotOf(t);
        int mask = slots.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Object o = slots[i];
            if (o == null) {
                break;
            }
            int home = spread(keyHash.applyAsInt(cast(o))) & mask;
            if (mayFill(hole, i, home)) {
                slots[hole] = o;
                hole = i;
            }
        }
        slots[hole] = null;
        size--;
    }

    void forEach(Consumer<T> action) {
        for (Object o : slots) {
            if (o != null) {
                action.accept(cast(o));
            }
        }
    }

    private int slotOf(T t) {
        int mask = slots.length - 1;
        for (int i = spread(keyHash.applyAsInt(t)) & mask; slots[i] != null; i = (i + 1) & mask) {
            if (slots[i] == t) {
                return i;
            }
        }
        throw new IllegalStateException("not in the table");
    }

    private void place(@Nullable Object[] into, T t) {
        int mask = into.length - 1;
        int i = spread(keyHash.applyAsInt(t)) & mask;
        while (into[i] != null) {
            i = (i + 1) & mask;
        }
        into[i] = t;
    }

    private T element(int i) {
        return cast(Objects.requireNonNull(slots[i]));
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }

    /**
     * Whether the element at slot {@code i}, whose home slot is {@code home}, may move back to
     * the empty slot {@code hole} of its run: unless its home lies cyclically in (hole, i].
     */
    static boolean mayFill(int hole, int i, int home) {
        return hole <= i ? home <= hole || home > i : home <= hole && home > i;
    }

    /** Mixes the high bits of a hash into the low ones the mask keeps. */
    static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
