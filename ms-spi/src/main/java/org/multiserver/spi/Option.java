package org.multiserver.spi;

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
