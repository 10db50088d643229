package dev.cms.folders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FolderChanges}: two plans compared by folder id. */
class FolderChangesTest {
    private static final Path ROOT = Path.of("/mail");

    private static FolderPlan.Mapped m(String id, String path) {
        List<String> names = List.of(path.split("/"));
        return new FolderPlan.Mapped(AccountFolder.graph(id, names, false), ROOT.resolve(path));
    }

    @Test
    void addedMovedAndRemovedByIdParentsMoveFirstSubfoldersGoFirst() {
        List<FolderPlan.Mapped> before = List.of(m("1", "Lists"), m("2", "Lists/kernel"), m("3", "Old"),
                m("4", "Old/Older"), m("5", "Same"));
        List<FolderPlan.Mapped> after = List.of(m("2", "Groups/kernel"), m("1", "Groups"), m("5", "Same"),
                m("6", "New"));
        FolderChanges c = FolderChanges.between(before, after);
        assertEquals(List.of("6"), c.added().stream().map(x -> x.folder().id()).toList());
        assertEquals(List.of("1", "2"), c.moved().stream().map(x -> x.from().folder().id()).toList(),
                "the parent first: its subfolder's Maildir may have moved with it");
        assertEquals(List.of("4", "3"), c.removed().stream().map(x -> x.folder().id()).toList(),
                "the subfolder first, so that its parent's directory is left empty");
        assertTrue(FolderChanges.between(after, after).isEmpty());
    }
}
