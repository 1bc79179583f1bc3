"""Tier M: a large ICB, 3,000,000 people, two contract years; settles 2027/28.

    .venv/bin/python benchmarks/tier_m.py [--regenerate] [--memory-limit 7GB]
"""

from scale import main

if __name__ == "__main__":
    main("M", population=3_000_000, years=2, year=2027)
