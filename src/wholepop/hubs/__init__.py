"""The hub planner: group practices into care hubs of 30,000-50,000 people (issue 8, part 5).

Public surface: ``plan(practice_code, lat, lon, population, min_size, max_size) -> HubPlan``;
``describe`` gives the same per-hub figures for an existing grouping (the real PCNs) and
``hub_stats`` summarises either, so a plan can be compared with what exists;
``practice_populations`` gives the size of each practice from the input layer.
"""

from wholepop.hubs.planner import Hub, HubPlan, HubStats, describe, hub_stats, plan, project_km
from wholepop.hubs.population import practice_populations

__all__ = ["Hub", "HubPlan", "HubStats", "describe", "hub_stats", "plan", "practice_populations", "project_km"]
