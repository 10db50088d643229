package dev.cms.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FormParamsTest {
    @Test
    void decodesPercentEscapesPlusAndUtf8() throws Exception {
        assertEquals(Map.of("code", "a+b c/é", "state", "s", "flag", ""),
                FormParams.parse("code=a%2Bb+c%2F%C3%A9&state=s&flag"));
    }

    @Test
    void emptyAndMissingInputHaveNoParameters() throws Exception {
        assertEquals(Map.of(), FormParams.parse(null));
        assertEquals(Map.of(), FormParams.parse(""));
        assertEquals(Map.of(), FormParams.parse("&&"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"code=%zz", "code=%4", "code=ab%", "code=%C3%28", "code=%FF", "a=1&a=2", "code=\u00e9",
            "code=a\nb", "code=%%41"})
    void malformedInputIsRefused(String raw) {
        assertThrows(FormParams.MalformedException.class, () -> FormParams.parse(raw));
    }

    @Test
    void oversizedInputIsRefused() {
        assertThrows(FormParams.MalformedException.class, () -> FormParams.parse("a=" + "x".repeat(20_000)));
        assertThrows(FormParams.MalformedException.class, () -> FormParams.parse("a=b&".repeat(100)));
    }
}
