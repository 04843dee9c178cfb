#!/bin/sh
# Airbyte entrypoint of the tap-firstpromoter image (ENTRYPOINT and AIRBYTE_ENTRYPOINT point here).
# The platform runs it with `spec`, `check`, `discover` or `read` and their flags; everything is passed on.
# TAP_FIRSTPROMOTER_HOME is the package root (default /app, where the Dockerfile installs it); set it to run
# this script from a checkout, e.g. TAP_FIRSTPROMOTER_HOME=. bin/airbyte-entrypoint.sh spec
set -eu
exec node "${TAP_FIRSTPROMOTER_HOME:-/app}/dist/cli.js" "$@"
