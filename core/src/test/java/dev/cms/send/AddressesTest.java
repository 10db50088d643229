package dev.cms.send;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The address-list parser keeps the addr-specs and drops names, quotes, comments and routes. */
class AddressesTest {

    @Test
    void quotedNamesWithCommasAndEscapesAreNotSplit() {
        assertEquals(List.of("ann@example.com", "bob@example.org"),
                Addresses.parse("\"Doe, \\\"Ann\\\"\" <ann@example.com>, Bob <bob@example.org>"));
    }

    @Test
    void nestedCommentsAreDroppedWhereverTheyStand() {
        assertEquals(List.of("ann@example.com", "bob@example.org"),
                Addresses.parse("ann@example.com (Ann (work), x), (lead) bob@example.org"));
    }

    @Test
    void obsoleteRouteIsDroppedAndUnclosedAngleReadsToTheEnd() {
        assertEquals(List.of("ann@example.com", "bob@example.org"),
                Addresses.parse("<@relay.example:ann@example.com>, Bob < bob@example.org"));
    }

    @Test
    void groupsYieldTheirMembersAndAnEmptyGroupNothing() {
        assertEquals(List.of("ann@example.com", "bob@example.org"),
                Addresses.parse("team: ann@example.com, Bob <bob@example.org>;, undisclosed-recipients:;"));
    }
}
