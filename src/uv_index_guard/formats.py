"""The report formats each command writes (the first is the default). Constants only, so
that the command line can offer them without importing the reports."""

from __future__ import annotations

from typing import Final

#: `check --output-format`: github = workflow commands, gitlab = a Code Quality report.
CHECK: Final = ("text", "json", "json-lines", "sarif", "github", "gitlab", "junit")
#: `scan` and `merge-reports --output-format`: gitlab = a secret-detection report.
SCAN: Final = ("text", "json", "sarif", "gitlab")
