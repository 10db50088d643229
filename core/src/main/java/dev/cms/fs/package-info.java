/**
 * Files: the one seam ({@link dev.cms.fs.FileOps}) through which the content store and the
 * Maildirs make, write, sync, link, rename and remove files, so tests can inject a full disk,
 * an I/O error or a failed rename at any of those steps.
 */
@NullMarked
package dev.cms.fs;

import org.jspecify.annotations.NullMarked;
