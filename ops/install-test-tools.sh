#!/usr/bin/env bash
# Installs what the test suite needs beyond a JDK and Maven. Idempotent.
set -euo pipefail
