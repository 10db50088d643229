/**
 * Whole-account sync (DESIGN.md section 13): which folders of an account an
 * {@code Office365_Folders(...)} or {@code GMail_Labels(...)} call selects
 * ({@link dev.cms.folders.FolderFilter}, shell-style {@link dev.cms.folders.FolderPattern}s), and
 * where each one's Maildir lies under the call's root ({@link dev.cms.folders.FolderLayout}).
 * Pure: no file or network access.
 *
 * <p>Parameters and results are never null unless a method says so.
 */
@NullMarked
package dev.cms.folders;

import org.jspecify.annotations.NullMarked;
