package com.ouvitel.gateway.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a tool it needs is missing: it fails when CI=true, because CI
 * installs the tools through `make test` and a missing one means that step is broken, and
 * it is skipped elsewhere, with the fix in the message.
 */
public final class RequiredTools {

  private RequiredTools() {
  }

  /** Fails or skips the running test, saying what is missing and how to install it. */
  public static void missing(String message) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: a missing tool fails the build)");
    }
    Assumptions.abort(message);
  }

  /** True when the executable is a path to one, or a name found on the PATH. */
  public static boolean isOnPath(String executable) {
    if (executable.contains(File.separator)) {
      return Files.isExecutable(Path.of(executable));
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, executable))) {
        return true;
      }
    }
    return false;
  }
}
