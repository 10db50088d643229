package dev.cms.sync;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.util.Set;

/**
 * The three-way, per-flag merge at the heart of a cycle. For each flag the cloud can store:
 * if the cloud changed it since the base (the previous cycle's cloud snapshot) the cloud
 * wins; otherwise the local value is taken, so a local change is pushed. Flags the cloud
 * cannot store are left as the cloud reports them (the caller keeps them locally).
 */
public final class FlagMerge {
    private FlagMerge() {}

    public static Flags merge(Flags base, Flags local, Flags cloud, Set<Flag> supported) {
        Flags out = cloud;
        for (Flag f : supported) {
            if (cloud.has(f) == base.has(f)) {
                out = out.with(f, local.has(f));
            }
        }
        return out;
    }
}
