package org.multiserver.shs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;

/** One published known-answer file from src/test/resources/vectors, with hex values read as bytes. */
final class Vectors {
    private final String name;
    private final JsonNode root;

    private Vectors(String name, JsonNode root) {
        this.name = name;
        this.root = root;
    }

    static Vectors load(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vectors/" + name);
            }
            return new Vectors(name, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes(String key) {
        JsonNode value = root.get(key);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(name + " has no hex value '" + key + "'");
        }
        return HexFormat.of().parseHex(value.asText());
    }
}
