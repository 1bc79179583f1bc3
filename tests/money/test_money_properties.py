"""Money invariants for random inputs (hypothesis)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from hypothesis import given, strategies as st

from golden import contract, facts
from wholepop.money import settle
from wholepop.money.pence import allocate
from wholepop.money.sharing import ShareRule, share_variance

rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=3)
pence = st.integers(min_value=0, max_value=10**11)


@given(total=st.integers(min_value=-(10**12), max_value=10**12),
       weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=4), min_size=1, max_size=30))
def test_allocate_sums_exactly(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    if total >= 0 and sum(weights) > 0:
        # no part is more than one penny away from its exact share
        exact = [Decimal(total) * w / sum(weights) for w in weights]
        assert all(abs(p - e) < 1 for p, e in zip(parts, exact))


@given(acute=st.integers(min_value=0, max_value=200000), experience=st.decimals(min_value=60, max_value=90, places=1),
       corridor=st.sampled_from(["0", "0.01", "0.05"]), first_pound=st.sampled_from(["true", "false"]),
       mode=st.sampled_from(["withhold", "bonus"]), form=st.sampled_from(["full", "partial", "virtual"]))
def test_every_statement_adds_up_to_the_penny(acute, experience, corridor, first_pound, mode, form):
    services = '["community"]' if form == "partial" else ("[]" if form == "virtual" else '["primary_medical", "community"]')
    c = contract(form=form, services=services, mode=mode, corridor=corridor, first_pound=first_pound)
    s = settle(facts(acute_2027=acute, experience=str(experience)), c, 2027)
    assert s.total_payable_pence == sum(x.amount_pence for x in s.lines if x.payable)
    if s.budget is not None:
        assert sum(s.budget.instalments_pence) == s.budget.total_pence
        assert sum(h.budget_pence for h in s.budget.by_hub) == s.budget.total_pence
    rs = s.risk_share
    assert rs.provider_pence + sum(p.amount_pence for p in rs.parties) == rs.variance_pence


def rule_strategy():
    return st.builds(
        lambda corridor, fp, r1, r2, edge, cg, cl, gate: ShareRule(
            corridor=corridor, first_pound=fp, bands=((edge, r1), (Decimal(1), r2)),
            cap_gain=cg, cap_loss=cl, quality_gate=gate, parties={"commissioner": Decimal("0.6"), "acute": Decimal("0.4")},
        ),
        rates.map(lambda x: x / 10), st.booleans(), rates, rates,
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2),
        st.none() | st.integers(0, 10**7).map(Decimal), st.none() | st.integers(0, 10**7).map(Decimal), rates,
    )


@given(rule=rule_strategy(), target=pence, a=pence, b=pence, achievement=rates)
def test_provider_amount_never_rises_when_spend_rises(rule, target, a, b, achievement):
    lo, hi = sorted((a, b))
    assert share_variance(target, hi, rule, achievement).provider_pence <= share_variance(target, lo, rule, achievement).provider_pence


@given(rule=rule_strategy(), target=pence, actual=pence, achievement=rates)
def test_caps_always_hold(rule, target, actual, achievement):
    p = share_variance(target, actual, rule, achievement).provider_pence
    if rule.cap_gain is not None:
        assert p <= rule.cap_gain
    if rule.cap_loss is not None:
        assert -p <= rule.cap_loss


@given(corridor=rates.map(lambda x: x / 10), fp=st.booleans(), r1=rates, r2=rates,
       cap=st.none() | st.integers(0, 10**7).map(Decimal), target=st.integers(1, 10**9), delta=st.integers(0, 10**9))
def test_mirrored_gain_and_loss(corridor, fp, r1, r2, cap, target, delta):
    rule = ShareRule(corridor=corridor, first_pound=fp, bands=((Decimal("0.03"), r1), (Decimal(1), r2)), cap_gain=cap, cap_loss=cap)
    gain = share_variance(target, target - delta, rule, Decimal(1))
    loss = share_variance(target, target + delta, rule, Decimal(1))
    assert gain.provider_pence == -loss.provider_pence


def test_only_pence_module_rounds_money():
    src = Path(__file__).resolve().parents[2] / "src" / "wholepop"
    offenders = []
    for path in src.rglob("*.py"):
        if path.name == "pence.py":
            continue
        for n, text in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bround\(|\.quantize\(", text) and "pence" in text.lower():
                offenders.append(f"{path.relative_to(src)}:{n}")
    assert offenders == []
