"""Tier S: one MCP, 300,000 people, three contract years (the demo); settles 2027/28.

    .venv/bin/python benchmarks/tier_s.py [--regenerate] [--memory-limit 7GB]
"""

from scale import main

if __name__ == "__main__":
    main("S", population=300_000, years=3, year=2027)
