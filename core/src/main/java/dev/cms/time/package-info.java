/** Time: the one clock seam ({@link dev.cms.time.Ticker}) every timed part of the program takes. */
package dev.cms.time;
