package io.chainmux.bench.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Builds SVG markup: escaping, coordinate formatting, text width estimate, palette, file output. */
final class Svg {
    static final String FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
    /** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
    private static final List<String> PALETTE = List.of(
            "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#000000");

    private final StringBuilder out = new StringBuilder(8192);

    Svg(double width, double height) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(num(width))
                .append("\" height=\"").append(num(height)).append("\" viewBox=\"0 0 ").append(num(width))
                .append(' ').append(num(height)).append("\" font-family=\"").append(FONT).append("\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    }

    /** Appends raw markup; callers escape text through {@link #text} or {@link #escape}. */
    Svg raw(String markup) {
        out.append(markup).append('\n');
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width, String dash) {
        out.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"")
                .append(num(x2)).append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(stroke)
                .append("\" stroke-width=\"").append(num(width)).append('"');
        if (dash != null) {
            out.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        out.append("/>\n");
        return this;
    }

    /** A text element; {@code anchor} is start, middle or end; {@code extra} is trusted attribute markup. */
    Svg text(double x, double y, String text, double size, String anchor, String fill, String extra) {
        out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"")
                .append(num(size)).append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(fill)
                .append('"');
        if (extra != null) {
            out.append(' ').append(extra);
        }
        out.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    /**
     * Start-anchored text on a white backing, so that grid, reference and target lines running behind it
     * do not cut through the glyphs.
     */
    Svg label(double x, double y, String text, double size, String fill, boolean bold) {
        // 0.9 of the (deliberately wide) layout estimate is close to the real width of common sans fonts
        double width = textWidth(text, size) * (bold ? 1.05 : 0.9);
        out.append("<rect x=\"").append(num(x - 2)).append("\" y=\"").append(num(y - size)).append("\" width=\"")
                .append(num(width + 4)).append("\" height=\"").append(num(size * 1.3))
                .append("\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>\n");
        return text(x, y, text, size, "start", fill, bold ? "font-weight=\"bold\"" : null);
    }

    String end() {
        return out.append("</svg>\n").toString();
    }

    /** Colour of the i-th series; wraps around after eight. */
    static String color(int i) {
        return PALETTE.get(i % PALETTE.size());
    }

    /**
     * Escapes text for XML content and attribute values. Characters XML 1.0 forbids (most C0 controls,
     * lone surrogates, U+FFFE/U+FFFF) become U+FFFD so that any label yields a well-formed document.
     */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)
                            || c == 0xFFFE || c == 0xFFFF) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Rough rendered width of {@code s} in a sans-serif font: 0.6 em per character (errs wide). */
    static double textWidth(String s, double size) {
        return s.codePointCount(0, s.length()) * size * 0.6;
    }

    /** Coordinates with one decimal: sub-pixel precision without noise. */
    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    static void write(String svg, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, svg, StandardCharsets.UTF_8);
    }

    static String requireText(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }

    static double requireFinite(double v, String what) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " must be a finite number, got " + v);
        }
        return v;
    }
}
