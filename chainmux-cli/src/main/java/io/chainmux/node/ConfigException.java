package io.chainmux.node;

/** A configuration problem, naming the key: {@code network.degree: must be in [1, 64], was 0}. */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
