"""Properties of the issue-15 rules and the provider position (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

from golden import contract, facts
from wholepop.money import settle
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.vocab import Service

share = st.sampled_from(["0", "0.25", "0.5", "1.0"])
corridor = st.sampled_from(["0", "0.01", "0.05"])
caps = st.sampled_from([("", ""), ("cap_gain = 0.01\n", ""), ("", "cap_loss = 0.02\n"), ("cap_gain = 0.05\n", "cap_loss = 0.05\n")])


def pacs_contract(p, c, cap, first_pound="true"):
    extra = (
        "\n[system_share]\n"
        f"corridor = {c}\nfirst_pound = {first_pound}\n"
        f"bands = [ {{ upto = 0.05, provider_share = {p} }}, {{ upto = 1.0, provider_share = 1.0 }} ]\n"
        + cap[0] + cap[1]
    )
    return contract(form="pacs", risk=False, extra=extra)


@settings(max_examples=150, deadline=None)
@given(p=share, c=corridor, cap=caps, fp=st.sampled_from(["true", "false"]),
       acute=st.integers(0, 400000), community=st.integers(0, 200000),
       fall_acute=st.integers(0, 400000), fall_community=st.integers(0, 200000))
def test_a_pacs_payable_never_rises_when_its_in_scope_costs_fall(p, c, cap, fp, acute, community, fall_acute, fall_community):
    # the same activity counts (events), lower costs on in-scope lines
    k = pacs_contract(p, c, cap, fp)
    high = settle(facts(acute_2027=acute, spend_2027={(2027, "community", "full"): community}), k, 2027)
    lower = facts(acute_2027=max(0, acute - fall_acute), spend_2027={(2027, "community", "full"): max(0, community - fall_community)})
    low = settle(lower, k, 2027)
    assert low.total_payable_pence <= high.total_payable_pence
    # and the provider is never worse off for spending less
    assert low.provider_position.surplus_pence >= high.provider_position.surplus_pence


@settings(max_examples=100, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**6, places=2), rshare=st.sampled_from(["0", "0.5", "1"]),
       years=st.integers(1, 5), recurrent=st.decimals(min_value=0, max_value=10**5, places=2),
       form=st.sampled_from(["full", "partial", "virtual", "pacs"]), acute=st.integers(0, 200000))
def test_the_commissioners_position_never_improves_because_a_deficit_is_transferred(amount, rshare, years, recurrent, form, acute):
    services = {"partial": '["community"]', "virtual": "[]"}.get(form, '["primary_medical", "community"]')
    without = contract(form=form, services=services, risk=form != "pacs")
    extra = f"\n[deficit]\nrecurrent = {{ amount = {recurrent} }}\nhistoric = {{ amount = {amount}, share = {rshare}, years = {years} }}\n"
    with_deficit = contract(form=form, services=services, risk=form != "pacs", extra=extra)
    f = facts(acute_2027=acute)
    a, b = settle(f, without, 2027), settle(f, with_deficit, 2027)
    # what the commissioner pays, line by line, is the same
    assert b.total_payable_pence == a.total_payable_pence
    assert [x for x in b.lines if x.payable] == [x for x in a.lines if x.payable]
    # the provider carries the repayment, to the penny
    assert b.provider_position.surplus_pence == a.provider_position.surplus_pence - b.deficit_pence
    assert b.deficit_pence == -sum(x.amount_pence for x in b.lines if x.section == "deficit")


integration = st.sampled_from(["full", "partial", "virtual"])
practice_rows = st.lists(
    st.tuples(st.sampled_from("ABCDEFG"), st.sampled_from(["H1", "H2", "H3"]), integration,
              st.decimals(min_value=0, max_value=5000, places=4)),
    min_size=1, max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(base=practice_rows, year=practice_rows, pm=st.integers(0, 10**7), comm=st.integers(0, 10**7),
       unreg=st.integers(0, 10**5))
def test_practice_and_hub_budgets_sum_to_the_budget_and_follow_the_days_covered(base, year, pm, comm, unreg):
    hub_of: dict[str, str] = {}
    rows: dict[tuple, PracticeYear] = {}
    for y, table in ((2026, base), (2027, year)):
        for code, hub, integ, wp in table:
            hub = hub_of.setdefault(code, hub)  # a practice keeps its hub
            rows[(y, code, integ)] = PracticeYear(y, code, hub, integ, wp * 12, wp)
    f = MoneyFacts(
        practices=tuple(rows.values()),
        spend={(2026, "primary_medical", "full"): pm, (2026, "primary_medical", "partial"): pm // 3,
               (2026, "community", "partial"): comm},
        unregistered={(2026, "community"): unreg},
        measures={(2027, "patient_experience"): Decimal(75)},
    )
    if not any(p.year == 2027 for p in f.practices):
        return
    s = settle(f, contract(risk=False), 2027)
    b = s.budget
    assert sum(p.budget_pence for p in b.by_practice) == b.total_pence
    assert sum(h.budget_pence for h in b.by_hub) == b.total_pence
    # primary medical money goes only to practices with full days in the year
    pm_only = settle(f, contract(risk=False, services='["primary_medical"]', extra="").model_copy(
        update={"budget": contract().budget.model_copy(update={"unregistered": "none"})}), 2027)
    full_wp: dict[str, Decimal] = {}
    for p in f.practices:
        if p.year == 2027 and p.integration == "full":
            full_wp[p.practice_code] = full_wp.get(p.practice_code, Decimal(0)) + p.weighted_population
    total_full = sum(full_wp.values(), Decimal(0))
    for p in pm_only.budget.by_practice:
        if total_full:
            # its share of the line by its weighted population of full days, to within a penny
            exact = Decimal(pm_only.budget.total_pence) * full_wp.get(p.practice_code, Decimal(0)) / total_full
            assert abs(p.budget_pence - exact) < 1
        if full_wp.get(p.practice_code, 0) == 0 and total_full:
            assert p.budget_pence == 0


@settings(max_examples=150, deadline=None)
@given(acute=st.integers(0, 300000), form=st.sampled_from(["full", "partial", "virtual", "pacs"]),
       mode=st.sampled_from(["withhold", "bonus"]), deficit=st.decimals(min_value=0, max_value=10**4, places=2),
       community=st.integers(0, 200000))
def test_the_provider_position_adds_up(acute, form, mode, deficit, community):
    services = {"partial": '["community"]', "virtual": "[]"}.get(form, '["primary_medical", "community"]')
    c = contract(form=form, services=services, mode=mode, risk=form != "pacs",
                 extra=f"\n[deficit]\namount = {deficit}\nyears = 2\n")
    f = facts(acute_2027=acute, spend_2027={(2027, "community", "partial"): community})
    s = settle(f, c, 2027)
    pos = s.provider_position
    # the cost side recomputed from the facts: spend on the budget's lines by the population
    # each covers (primary_medical at full practices only), plus unregistered spend on them
    lines = c.budget_services
    expected_cost = sum(v for (y, line, integ), v in f.spend.items()
                        if y == 2027 and Service(line) in lines and (line != "primary_medical" or integ == "full"))
    expected_cost += sum(v for (y, line), v in f.unregistered.items() if y == 2027 and Service(line) in lines)
    assert pos.in_scope_cost_pence == expected_cost
    assert pos.payable_pence == s.total_payable_pence
    assert pos.deficit_repayment_pence == s.deficit_pence
    assert pos.surplus_pence == s.total_payable_pence - expected_cost - s.deficit_pence
    if form == "virtual":  # no budget: the position is what the sharing pays, less any repayment
        assert pos.surplus_pence == s.total_payable_pence - s.deficit_pence
    shown = {x.item: x.amount_pence for x in s.lines if x.section == "provider"}
    assert shown["provider's surplus (+) or deficit (-) for the year (memo)"] == pos.surplus_pence
    # the JSON round-trips with the position
    from wholepop.money.statement import Statement

    assert Statement.from_json(s.to_json()) == s
