package com.ouvitel.gateway.json;

/**
 * A JSON number as JavaScript holds it: one finite double, whether the body wrote an
 * integer or a fraction.
 *
 * @param value the finite double that {@code JSON.parse} would produce
 */
public record JsonNumber(double value) {

    public JsonNumber {
        // JSON has no text for NaN or the infinities, so a tree holding one could not be
        // written back as the body it claims to be.
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("a JSON number must be finite, got " + value);
        }
    }

    /** The number as {@code JSON.stringify} writes it, for example {@code 1e+21}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(24);
        JavaScriptNumberText.append(value, text);
        return text.toString();
    }
}
