"""The one table of exit codes every command uses (README "Exit codes" and ``conncheck --help`` print it)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # every check PASS, WARN or SKIP (and something was verified)
    FAIL = 1  # something FAILs (with --strict, a WARN too); events: a failure that did not recover
    USAGE = 2  # usage or input error (a selection that leaves nothing to check too): one line on stderr says what
    UNKNOWN = 3  # something could not be verified and nothing FAILs; or every check SKIPped: nothing was verified
    REGRESSION = 4  # audit, diff: a result newly FAILs or got worse against the site's previous run
    INTERNAL = 70  # a bug (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C


HELP = (
    "Exit codes: 0 all PASS/WARN/SKIP; 1 something FAILs (or WARN with --strict); 2 usage or input error; "
    "3 something UNKNOWN and nothing FAILs, or nothing verified; "
    "4 a regression against the previous audit run (audit, diff); "
    "70 internal error (a bug: please report it)."
)
