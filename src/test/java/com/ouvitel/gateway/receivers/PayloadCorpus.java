package com.ouvitel.gateway.receivers;

import java.util.List;

/**
 * Payload values that trip up receivers which verify after their framework parsed and
 * re-serialised the body: each is sent as the value of {@code payload.case}, and the
 * delivered body must hold it exactly as Node's {@code JSON.stringify} writes it.
 */
final class PayloadCorpus {

  /** One value: what a fleet sends, and how the delivered body must spell it. */
  record Case(String name, String sent, String delivered) {

    /** The event as a fleet sends it, with whitespace a serialiser would drop. */
    String eventText(String jobId) {
      return "{ \"event\": \"print.success\",\n  \"payload\": { \"jobId\": \"" + jobId
          + "\", \"printerToken\": \"printer_corpus\",\n    \"timestamp\": "
          + "\"2026-01-06T12:00:00Z\", \"case\": " + sent + " } }";
    }

    /** The exact body every attempt must carry. */
    String deliveredBody(String jobId) {
      return "{\"event\":\"print.success\",\"payload\":{\"jobId\":\"" + jobId
          + "\",\"printerToken\":\"printer_corpus\",\"timestamp\":\"2026-01-06T12:00:00Z\","
          + "\"case\":" + delivered + "},\"timestamp\":\"2026-01-06T12:00:00Z\"}";
    }
  }

  /** Objects of the nesting case; with the body, the payload and the innermost two: 64. */
  private static final int NESTED = 60;

  private PayloadCorpus() {
  }

  static List<Case> cases() {
    return List.of(
        new Case("floats with zero fractions",
            "[1.0,-2.50,100.000,0.0,3.10]",
            "[1,-2.5,100,0,3.1]"),
        new Case("exponents",
            "[1e21,1E-7,2.5e+3,1e20,123e-20,-4.2E+30]",
            "[1e+21,1e-7,2500,100000000000000000000,1.23e-18,-4.2e+30]"),
        new Case("negative zero",
            "{\"a\":-0,\"b\":-0.0,\"c\":-0e3}",
            "{\"a\":0,\"b\":0,\"c\":0}"),
        new Case("big but safe integers",
            "[9007199254740991,-9007199254740991,4294967296,1234567890123456]",
            "[9007199254740991,-9007199254740991,4294967296,1234567890123456]"),
        new Case("floats that need all their digits",
            "[0.1,0.30000000000000004,5e-324,1.7976931348623157e308,123456789012345678901.5]",
            "[0.1,0.30000000000000004,5e-324,1.7976931348623157e+308,123456789012345680000]"),
        new Case("control characters",
            "\"\\u0000\\u0001\\b\\f\\n\\r\\t\\u000B\\u001F\\u007f\"",
            "\"\\u0000\\u0001\\b\\f\\n\\r\\t\\u000b\\u001f\u007f\""),
        new Case("emoji, raw and as escaped surrogate pairs",
            "\"\uD83D\uDDA8\uFE0F ok \uD83D\uDC4D\uD83C\uDFFD \\ud83d\\udc4d\"",
            "\"\uD83D\uDDA8\uFE0F ok \uD83D\uDC4D\uD83C\uDFFD \uD83D\uDC4D\""),
        new Case("accented text",
            "\"S\u00e3o Paulo, A\u00e7\u00e3o, \u00dcn\u00efc\u00f6d\u00e9, \\u00f1\"",
            "\"S\u00e3o Paulo, A\u00e7\u00e3o, \u00dcn\u00efc\u00f6d\u00e9, \u00f1\""),
        new Case("U+2028 and U+2029, escaped and raw",
            "\"a\\u2028b\\u2029c\u2028d\u2029\"",
            "\"a\u2028b\u2029c\u2028d\u2029\""),
        new Case("escaped and literal backslash-u sequences",
            "[\"\\\\u0041\",\"\\u0041\",\"\\\\\\u0041\",\"\\\\\\\\u00e9\",\"\\/\"]",
            "[\"\\\\u0041\",\"A\",\"\\\\A\",\"\\\\\\\\u00e9\",\"/\"]"),
        new Case("integer-like keys",
            "{\"b\":1,\"10\":2,\"2\":3,\"a\":4,\"1\":5,\"01\":6,\"-1\":7,\"4294967295\":8,"
                + "\"4294967294\":9,\"1.5\":10}",
            "{\"1\":5,\"2\":3,\"10\":2,\"4294967294\":9,\"b\":1,\"a\":4,\"01\":6,\"-1\":7,"
                + "\"4294967295\":8,\"1.5\":10}"),
        new Case("deep nesting, up to the limit",
            "{\"d\":".repeat(NESTED) + "[1.0,{\"0\":-0}]" + "}".repeat(NESTED),
            "{\"d\":".repeat(NESTED) + "[1,{\"0\":0}]" + "}".repeat(NESTED)),
        new Case("a long string",
            "\"" + "A\\u00e7\\u00e3o \uD83D\uDDA8 \\\"q\\\" \\\\ \\n\u2028|".repeat(6000) + "\"",
            "\"" + "A\u00e7\u00e3o \uD83D\uDDA8 \\\"q\\\" \\\\ \\n\u2028|".repeat(6000) + "\""),
        new Case("whitespace and literals",
            " {\n\t\"t\" : true , \"f\" : false ,\r\n \"n\" : null , \"e\" : [ ] , \"o\" : { } } ",
            "{\"t\":true,\"f\":false,\"n\":null,\"e\":[],\"o\":{}}"));
  }
}
