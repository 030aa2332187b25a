package org.multiserver.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed configuration key a plugin declares, such as {@code net.external}. Values are given in code as {@code T}
 * or, from a command line, as text that {@link #parse} turns into {@code T}.
 *
 * @param name         the key, conventionally {@code <plugin>.<option>}
 * @param type         the value type
 * @param defaultValue the value when none is given; may be null
 * @param parser       turns text into a value; throws IllegalArgumentException with a reason when it cannot
 */
public record Option<T>(String name, Class<T> type, T defaultValue, Function<String, T> parser) {

    public Option {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(parser, "parser");
    }

    public static Option<String> string(String name, String defaultValue) {
        return new Option<>(name, String.class, defaultValue, Function.identity());
    }

    public static Option<Boolean> flag(String name, boolean defaultValue) {
        return new Option<>(name, Boolean.class, defaultValue, text -> switch (text.trim().toLowerCase()) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + text + "'");
        });
    }

    public static Option<Integer> integer(String name, Integer defaultValue) {
        return new Option<>(name, Integer.class, defaultValue, text -> {
            try {
                return Integer.valueOf(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a whole number, got '" + text + "'");
            }
        });
    }

    /** A comma-separated list of words, such as {@code a.example, b.example}; blanks are dropped. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Option<List<String>> list(String name, List<String> defaultValue) {
        return new Option<>(name, (Class) List.class, defaultValue, text ->
                Arrays.stream(text.split(",")).map(String::trim).filter(word -> !word.isEmpty()).toList());
    }

    /**
     * A positive duration: {@code 30} or {@code 30s} (seconds), {@code 500ms}, {@code 2m}, or ISO-8601
     * ({@code PT30S}). Zero and negative durations are refused: no option of ours means anything by them.
     */
    public static Option<Duration> duration(String name, Duration defaultValue) {
        return new Option<>(name, Duration.class, defaultValue, Option::positiveDuration);
    }

    private static Duration positiveDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration value;
        try {
            if (t.startsWith("pt")) {
                value = Duration.parse(t);
            } else if (t.endsWith("ms")) {
                value = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("s")) {
                value = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else if (t.endsWith("m")) {
                value = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else {
                value = Duration.ofSeconds(Long.parseLong(t));
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("expected a duration such as 30s, 500ms or PT1M, got '" + text + "'");
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("expected a positive duration, got '" + text + "'");
        }
        return value;
    }

    /** Parses text for this option, naming the option in the error. */
    public T parse(String text) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option " + name + ": " + e.getMessage(), e);
        }
    }

    /** Checks a value given in code against the declared type. */
    T cast(Object value) {
        if (value instanceof String text && type != String.class) {
            return parse(text);
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("option " + name + " expects " + type.getSimpleName() + ", got "
                    + value.getClass().getSimpleName());
        }
        return type.cast(value);
    }
}
