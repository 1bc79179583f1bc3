"""Budget-only mode (`wholepop budget`): list counts x per-head prices, worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import Decimal

import pyarrow as pa
import pytest

from conftest import run_cli, write_tables
from wholepop.contract import parse_contract
from wholepop.errors import InputError
from wholepop.money.budget import growth
from wholepop.money.per_head import illustrative_path, load_prices, per_head_budget, uplift
from wholepop.vocab import Service

CONTRACT = """
[contract]
name = "Hand MCP"
form = "full"
start_year = 2027
term_years = 2
baseline_year = 2026

[scope]
services = ["primary_medical", "community"]

[budget]
uplift = 0.10
efficiency = 0.0
"""

# Primary medical: 100.00 a head everywhere, except men aged 0-4 (120.00) and women 65-69 (300.00);
# community: 10.01 a head for everyone.
_PM_F = ["100.00"] * 20
_PM_F[13] = "300.00"
_PM_M = ["100.00"] * 20
_PM_M[0] = "120.00"
PRICES = f"""
status = "TEST"
price_year = 2026
[services.primary_medical]
F = [{", ".join(_PM_F)}]
M = [{", ".join(_PM_M)}]
[services.community]
all = [{", ".join(["10.01"] * 20)}]
"""

LISTS = pa.table({
    "practice_code": ["X1", "X1", "X2", "X2"],
    "sex": ["F", "M", "F", "M"],
    "age_band": ["0_4", "0_4", "65_69", "95+"],
    "patients": [10, 5, 2, 1],
    "extract_date": pa.array([dt.date(2026, 7, 1)] * 4, pa.date32()),
})
PRACTICES = pa.table({"practice_code": ["X1", "X2"], "hub": ["H1", "H2"]})
MEMBERS = pa.table({
    "practice_code": ["X1", "X2"],
    "from_date": pa.array([dt.date(2026, 4, 1)] * 2, pa.date32()),
    "to_date": pa.array([None, None], pa.date32()),
    "integration": ["full", "partial"],
})
WEIGHTS = pa.table({
    "practice_code": ["X1", "X1"], "component": ["overall", "registered"],
    "weighted_population": [18.0, 15.0], "year": [2024, 2024],
})


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text(PRICES)
    return load_prices(path)


def test_budget_from_lists_and_prices_worked_by_hand(prices):
    """primary_medical covers only X1 (full): (10 x 100.00 + 5 x 120.00) x 1.1 = 1,760.00.
    community covers both: (15 + 3) x 10.01 x 1.1 = 198.198 -> 19,820p, split 16,516.5 : 3,303.3
    -> 16,517 + 3,303 (the spare penny to the larger remainder)."""
    b = per_head_budget(LISTS, PRACTICES, prices, parse_contract(CONTRACT), 2027, memberships=MEMBERS)
    assert [(s.service, s.amount_pence) for s in b.services] == [(Service.PRIMARY_MEDICAL, 176_000), (Service.COMMUNITY, 19_820)]
    assert [(p.practice_code, p.amount_pence) for p in b.practices] == [("X1", 192_517), ("X2", 3_303)]
    assert b.hubs == {"H1": 192_517, "H2": 3_303}
    assert b.total_pence == 195_820 and b.registered == 18
    assert b.uplift == Decimal("1.1")


def test_supplied_weights_scale_each_practice(prices):
    """X1 weighs 18 / 15 = 1.2: primary 1,600.00 x 1.2 x 1.1 = 2,112.00; community
    (150.15 x 1.2 + 30.03) x 1.1 = 231.231 -> 23,123p. Weighted population 15 x 1.2 + 3 = 21."""
    b = per_head_budget(LISTS, PRACTICES, prices, parse_contract(CONTRACT), 2027, WEIGHTS, MEMBERS, scale_by_weights=True)
    assert [s.amount_pence for s in b.services] == [211_200, 23_123]
    assert b.weighted_population == Decimal("21.0")
    unscaled = per_head_budget(LISTS, PRACTICES, prices, parse_contract(CONTRACT), 2027, WEIGHTS, MEMBERS)
    assert unscaled.total_pence == 195_820 and unscaled.weighted_population == Decimal("21.0")


def test_uplift_follows_the_contract_growth_rule():
    c = parse_contract(CONTRACT.replace("efficiency = 0.0", "efficiency = [0.01, 0.02]"))
    assert uplift(c, 2026, 2028) == growth(c, 2028) == Decimal("1.1") * Decimal("0.99") * Decimal("1.1") * Decimal("0.98")
    # From 2024 prices: the years before the baseline grow at the first year's rates.
    assert uplift(c, 2024, 2027) == (Decimal("1.1") * Decimal("0.99")) ** 3


def test_a_price_with_fractions_of_a_penny_is_named_by_key_path(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(PRICES.replace("all = [10.01,", "all = [10.015,"))
    with pytest.raises(InputError) as e:
        load_prices(path)
    assert str(e.value) == "bad.toml column services.community.all[0]: 10.015 is not a price in whole pence of 0 or more (at most two decimal places)"


def test_the_shipped_table_is_labelled_illustrative_and_prices_every_line():
    table = load_prices(illustrative_path())
    assert table.status == "ILLUSTRATIVE" and "ILLUSTRATIVE" in illustrative_path().read_text().splitlines()[0]
    assert set(table.half_pence) == set(Service)
    assert table.pounds(Service.PRIMARY_MEDICAL, "F", "85_89") > table.pounds(Service.PRIMARY_MEDICAL, "F", "5_9")


def test_budget_command_prints_and_writes_json(tmp_path, capsys):
    data = write_tables(tmp_path / "data", {
        "practices": "practice_code,practice_name,hub\nX1,One,H1\nX2,Two,H2",
        "memberships": "practice_code,from_date,to_date,integration\nX1,2026-04-01,,full\nX2,2026-04-01,,partial",
        "list_counts": textwrap.dedent("""\
            practice_code,sex,age_band,patients,extract_date
            X1,F,0_4,10,2026-07-01
            X1,M,0_4,5,2026-07-01
            X2,F,65_69,2,2026-07-01
            X2,M,95+,1,2026-07-01"""),
    })
    (tmp_path / "contract.toml").write_text(CONTRACT)
    (tmp_path / "prices.toml").write_text(PRICES)
    out = tmp_path / "budget.json"
    assert run_cli(["budget", "--data", str(data), "--contract", str(tmp_path / "contract.toml"),
                 "--per-head", str(tmp_path / "prices.toml"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["total_pence"] == 195_820 and doc["hubs"] == {"H1": 192_517, "H2": 3_303}
    assert doc["per_head_pence"] == 10_879  # 195,820p / 18 heads = 10,878.9p
    assert "1,958.20" in capsys.readouterr().out
