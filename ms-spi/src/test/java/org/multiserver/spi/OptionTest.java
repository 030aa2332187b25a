package org.multiserver.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionTest {

    @Test
    void list_splitsOnCommas_andDropsBlanks() {
        Option<List<String>> hosts = Option.list("x.hosts", List.of());
        assertThat(hosts.parse(" a.example, ,b.example ,")).containsExactly("a.example", "b.example");
        assertThat(hosts.cast("c")).containsExactly("c");
        assertThat(hosts.defaultValue()).isEmpty();
    }

    @Test
    void duration_acceptsSecondsMillisMinutesAndIso() {
        Option<Duration> timeout = Option.duration("x.timeout", Duration.ofSeconds(10));
        assertThat(timeout.parse("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(timeout.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(timeout.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(timeout.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(timeout.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void duration_refusesNonsenseZeroAndNegative_namingTheOption() {
        Option<Duration> timeout = Option.duration("x.timeout", null);
        assertThatThrownBy(() -> timeout.parse("soon"))
                .hasMessage("option x.timeout: expected a duration such as 30s, 500ms or PT1M, got 'soon'");
        assertThatThrownBy(() -> timeout.parse("0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> timeout.parse("-5s")).hasMessageContaining("positive");
        assertThatThrownBy(() -> timeout.parse("PT-5S")).hasMessageContaining("positive");
    }
}
