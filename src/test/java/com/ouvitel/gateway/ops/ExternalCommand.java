package com.ouvitel.gateway.ops;

import static org.junit.jupiter.api.Assertions.fail;

import com.ouvitel.gateway.support.RequiredTools;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command-line tools that check the ops files (kubectl, promtool) from the
 * project root, and decides what a missing tool means: a failure in CI, a skipped
 * test on a developer's machine.
 */
final class ExternalCommand {

  /** What a finished command printed, and how it ended. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {

    /** Fails the test, showing everything the command printed, unless it exited 0. */
    Result assertSucceeded() {
      if (exitCode != 0) {
        fail(String.join(" ", command) + " exited " + exitCode
            + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr);
      }
      return this;
    }
  }

  /** The project root: Surefire runs tests in the module's base directory. */
  static final Path PROJECT = Path.of("").toAbsolutePath();

  private static final long TIMEOUT_SECONDS = 120;

  private ExternalCommand() {
  }

  /**
   * Makes sure an executable (a name on the PATH, or a path) exists. Without it the
   * test fails when CI=true, because CI installs the tools with
   * ops/install-test-tools.sh and a missing one means that step is broken; elsewhere
   * the test is skipped with the fix in the message.
   */
  static void requireTool(String executable) {
    if (!RequiredTools.isOnPath(executable)) {
      RequiredTools.missing(executable + " was not found; install the ops test tools with"
          + " `sudo ops/install-test-tools.sh`");
    }
  }

  static Result run(Path workingDirectory, String... command) {
    try {
      Path stdout = Files.createTempFile("ops-command", ".out");
      Path stderr = Files.createTempFile("ops-command", ".err");
      try {
        Process process = new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();

        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          fail(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return new Result(List.of(command), process.exitValue(),
            Files.readString(stdout), Files.readString(stderr));
      } finally {
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command[0], e);
    }
  }

  static Result run(String... command) {
    return run(PROJECT, command);
  }
}
