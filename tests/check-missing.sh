#!/bin/sh
# Run by make check in place of the unit tests when configure found no
# Check: a make check without them must not pass.
echo "MISSING: Check is not installed, so the unit tests were not built:" \
    "apt-get install check (or scripts/install-deps), then ./configure again"
exit 99
