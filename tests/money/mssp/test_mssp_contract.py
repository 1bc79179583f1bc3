"""The aco preset, the [mssp] table's validation, and settling an aco contract."""

from decimal import Decimal as D
from importlib import resources

import pytest

from wholepop.contract.load import parse_contract
from wholepop.contract.mssp_rules import Track
from wholepop.errors import ContractError
from wholepop.money.mssp import benchmark_per_capita, mssp_terms, settle_aco

PRESET = (resources.files("wholepop.contract") / "presets" / "aco.toml").read_text(encoding="utf-8")


def contract(**replace: str):
    text = PRESET
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return parse_contract(text)


def test_preset_validates():
    terms = mssp_terms(contract())
    assert (terms.track, terms.performance_year, terms.msr, terms.quality_score) == (Track.BASIC_E, 2024, "variable", D("0.8"))


def test_init_prints_the_aco_preset(capsys):
    from wholepop.cli import main

    with pytest.raises(SystemExit) as done:
        main(["init", "--form", "aco"])
    assert done.value.code == 0
    assert capsys.readouterr().out == PRESET


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('track = "BASIC_E"', 'track = "BASIC_F"', "mssp.track: must be 'BASIC_A', 'BASIC_B'"),
        ('msr = "variable"', 'msr = "foo"', "mssp.msr: must be 'variable' or a valid decimal, got 'foo'"),
        ('msr = "variable"', "msr = 3", "mssp.msr: a fixed MSR/MLR is 0, 0.5, 1, 1.5 or 2 (per cent), got 3"),
        ("performance_year = 2024", "performance_year = 2025", "mssp.performance_year: the rules are encoded for 2013-2024, got 2025"),
        ('track = "BASIC_E"', 'track = "TRACK_3"', "mssp.track: TRACK_3 existed in performance years 2016-2019, not 2024"),
        ("low_revenue = true", "low_revenue = true\nlow_rev = 1", "mssp.low_rev: unknown key"),
        ("assigned_beneficiaries = 12000", "assigned_beneficiaries = 4000",
         "mssp.small_aco_msr_percent: required for an ACO under 5,000 assigned beneficiaries"),
        ('track = "BASIC_E"', 'track = "BASIC_A"', None),  # one-sided with the variable MSR: fine
    ],
)
def test_mssp_errors_name_key_paths(old, new, message):
    c = contract(**{old: new})
    if message is None:
        assert mssp_terms(c).track is Track.BASIC_A
        return
    with pytest.raises(ContractError) as e:
        mssp_terms(c)
    assert str(e.value).startswith(message)


def test_one_sided_track_cannot_fix_its_msr():
    c = contract(**{'track = "BASIC_E"': 'track = "BASIC_B"', 'msr = "variable"': "msr = 1"})
    with pytest.raises(ContractError, match=r"^mssp.msr: one-sided BASIC_B uses the variable MSR"):
        mssp_terms(c)


def test_benchmark_trended_from_baseline_or_supplied():
    # baseline 2023 $13,000 per person-year x 1.04^(2024 - 2023) = $13,520
    assert benchmark_per_capita(contract(), D(13000))[0] == D("13520.00")
    supplied = contract(**{"# benchmark_per_capita = 13500 ": "benchmark_per_capita = 13500 "})
    assert benchmark_per_capita(supplied, D(13000))[0] == D(13500)


def test_settle_aco_lines_and_earned_amount():
    # BASIC E, PY2024, 12,000 beneficiaries: MSR 3.0 - 0.3 x 2,000/5,000 = 2.88%.
    # benchmark $13,520 x 11,800 = $159,536,000; spend $12,800 x 11,800 = $151,040,000;
    # gross $8,496,000 = 5.33% >= 2.88%; x 50% x 0.98 = $4,163,040 (cap 10% = $15,953,600).
    lines, earned = settle_aco(contract(), D("13520"), D("12800"), D("11800"))
    assert earned == 416_304_000
    assert [(line.item, line.amount_pence, line.payable) for line in lines] == [
        ("benchmark (memo)", 15_953_600_000, False),
        ("expenditure (memo)", 15_104_000_000, False),
        ("gross savings (+) or losses (-) (memo)", 849_600_000, False),
        ("generated savings or losses (first dollar once the gate is met) (memo)", 849_600_000, False),
        ("shared savings (+) or losses (-) (memo)", 416_304_000, False),
        ("earned savings (+) or shared losses owed (-)", 416_304_000, True),
    ]
    assert {line.section for line in lines} == {"mssp"}
    assert "MSR 2.8800%" in lines[3].basis and "sequestration 0.98" in lines[4].basis


def test_settle_aco_loss_capped_by_participant_revenue():
    # Same ACO overspending: $13,520 vs $14,000 x 11,800: loss $5,664,000 = 3.55% >= 2.88%;
    # x 30% = $1,699,200; caps: 8% x revenue $20,000,000 = $1,600,000 and 4% x benchmark
    # $6,381,440 -> $1,600,000 owed (PY2024: no PHE reduction).
    c = contract(**{"participant_revenue = 60000000": "participant_revenue = 20000000"})
    lines, earned = settle_aco(c, D("13520"), D("14000"), D("11800"))
    assert earned == -160_000_000
    assert "lesser of 8.00% of participant revenue" in lines[4].basis


def test_settle_aco_rejects_other_forms():
    text = PRESET.replace('form = "aco"', 'form = "full"')
    with pytest.raises(ContractError, match=r'^contract\.form: MSSP terms settle only form = "aco"'):
        mssp_terms(parse_contract(text))


def test_settle_aco_year_statement_from_facts():
    # Baseline 2023: 120,000 person-months = 10,000 person-years, spend $130,000,000 ->
    # $13,000 per person-year, trended 4% to 2024: $13,520. 2024: 141,600 person-months =
    # 11,800 person-years, spend $151,040,000 = $12,800 each. As in the case above: earned
    # $4,163,040; gross $8,496,000; Medicare keeps $4,332,960.
    from wholepop.money.facts import MoneyFacts, PracticeYear
    from wholepop.money.mssp.contract import settle_aco_year
    from wholepop.money.statement import Statement

    facts = MoneyFacts(
        practices=(
            PracticeYear(2023, "P1", "H1", "full", D(120_000), D(10_000)),
            PracticeYear(2024, "P1", "H1", "full", D(141_600), D(11_800)),
        ),
        spend={(2023, "community", "full"): 13_000_000_000, (2024, "elective", "full"): 15_104_000_000},
    )
    s = settle_aco_year(facts, contract(), 2024)
    assert (s.total_payable_pence, s.risk_share.target_pence, s.risk_share.variance_pence) == (
        416_304_000, 15_953_600_000, 849_600_000,
    )
    assert [(p.party, p.amount_pence) for p in s.risk_share.parties] == [("medicare", 433_296_000)]
    assert [line.item for line in s.lines if line.payable] == ["earned savings (+) or shared losses owed (-)"]
    assert Statement.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    ("agreement_start", "year", "error"),
    [
        (2018, 2018, None),  # the first performance year of the agreement: pay for reporting
        (2017, 2018, "mssp.pay_for_reporting: only an agreement's first performance year is pay-for-reporting "
                     "(42 CFR 425.502(a)"),
        (2021, 2021, "mssp.pay_for_reporting: performance year 2021 has no pay-for-reporting year "
                     "(42 CFR 425.512(a)(3)"),
        (2023, 2023, None),  # 42 CFR 425.512(a)(2): a first-year reporting standard again
    ],
)
def test_pay_for_reporting_only_in_an_agreements_first_year(agreement_start, year, error):
    c = contract(**{
        'track = "BASIC_E"': 'track = "TRACK_1"' if year <= 2021 else 'track = "BASIC_E"',
        "performance_year = 2024": f"performance_year = {year}\nagreement_start_year = {agreement_start}\n"
                                   "pay_for_reporting = true",
    })
    if error is None:
        assert mssp_terms(c).pay_for_reporting
        return
    with pytest.raises(ContractError) as e:
        mssp_terms(c)
    assert error in str(e.value)
