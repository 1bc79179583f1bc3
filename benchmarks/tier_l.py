"""Tier L: England, 63,000,000 people, one contract year; settles 2027/28 out of core.

    .venv/bin/python benchmarks/tier_l.py [--regenerate] [--memory-limit 12GB] [--parts 4] [--skip-validate]
"""

import sys

from scale import machine_memory_gb, main

if __name__ == "__main__":
    # Out of core: half the machine's memory for DuckDB (12 GB here); the rest spills.
    if not any(a.startswith("--memory-limit") for a in sys.argv[1:]):
        sys.argv += ["--memory-limit", f"{int(machine_memory_gb() * 0.5)}GB"]
    # Its stage tables (hundreds of millions of rows) are kept compressed in a file.
    if "--work-file" not in sys.argv[1:]:
        sys.argv.append("--work-file")
    # Activity is attributed in four passes, a quarter of the people each, so that the
    # join and group-by of each pass fit in the memory limit.
    if not any(a.startswith("--parts") for a in sys.argv[1:]):
        sys.argv += ["--parts", "4"]
    main("L", population=63_000_000, years=1, year=2027)
