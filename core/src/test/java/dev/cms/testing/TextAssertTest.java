package dev.cms.testing;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextAssertTest {
    @Test
    void passesWhenEveryPartIsThereAndNoUnwantedOneIs() {
        assertThatText("cms.cfg:3:1: unknown Route").contains("cms.cfg:3:1:", "Route").doesNotContain("secret");
    }

    @Test
    void failureNamesEveryMissingPartAndShowsTheText() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> assertThatText("line one\nline two", "the log").contains("one", "three", "four"));
        assertEquals("expected the log to contain 'three', 'four' but it is:\nline one\nline two", e.getMessage());
        AssertionError not = assertThrows(AssertionError.class,
                () -> assertThatText("a token tok-1").doesNotContain("tok-1", "tok-2"));
        assertEquals("expected the text not to contain 'tok-1' but it is:\na token tok-1", not.getMessage());
        assertThrows(AssertionError.class, () -> assertThatText(null).contains("x"));
    }
}
