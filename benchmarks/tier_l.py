"""Tier L: England, 63,000,000 people, one contract year; settles 2027/28 out of core.

    .venv/bin/python benchmarks/tier_l.py [--regenerate] [--memory-limit 7GB]
"""

from scale import main

if __name__ == "__main__":
    main("L", population=63_000_000, years=1, year=2027)
