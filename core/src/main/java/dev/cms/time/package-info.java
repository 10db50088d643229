/** Time: the one clock seam ({@link dev.cms.time.Ticker}) every timed part of the program takes. */
@NullMarked
package dev.cms.time;

import org.jspecify.annotations.NullMarked;
