"""Money: budget, performance, gain/risk share, contingency and the settled statement."""
