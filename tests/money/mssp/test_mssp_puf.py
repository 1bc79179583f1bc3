"""Reconciling CMS per-ACO results files: the real PY2023 file and header/format variants."""

import textwrap
import time

import pytest

from tests.conftest import SHARED_DATA
from wholepop.errors import InputError
from wholepop.money.mssp.puf import reconcile, reconcile_text

PY2023 = SHARED_DATA / "cms-mssp-py2023-aco-results.csv"


def csv(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@pytest.fixture(scope="module")
def py2023():
    if not PY2023.exists():  # pragma: no cover  (the shared data ships with the project)
        pytest.skip("PY2023 results file not present")
    start = time.perf_counter()
    result = reconcile(PY2023, 2023)
    return result, time.perf_counter() - start


def test_py2023_match_counts(py2023):
    result, _ = py2023
    rows = result.rows
    savings = [r for r in rows if r.published_earned_pence > 0]
    losses = [r for r in rows if r.published_earned_pence < 0]
    zero = [r for r in rows if r.published_earned_pence == 0]
    assert result.summary() == "450 of 453 ACOs match CMS's published earned savings or losses"
    assert (sum(r.match for r in savings), len(savings)) == (313, 313)
    assert (sum(r.match for r in zero), len(zero)) == (120, 120)
    assert (sum(r.match for r in losses), len(losses)) == (17, 20)
    # The three that differ are BASIC losses capped by participant revenue, which CMS does
    # not publish; every other loss matches.
    unmatched = [(r.aco, r.row, r.capped_by_revenue) for r in rows if not r.match]
    assert unmatched == [("A1241", 21, True), ("A4627", 299, True), ("A5293", 448, True)]
    assert "losses capped by unpublished participant revenue" in rows[20].reason


def test_py2023_worked_aco(py2023):
    # A1026, BASIC E, 41,654 beneficiaries: variable MSR 2.5 - 0.3 x 21,654/30,000 = 2.2835%
    # (published 2.28%); gross $562,377,394 - $528,558,686 = $33,818,708 = 6.01%;
    # x 50% x 0.98 = $16,571,166.92 (CMS: $16,571,167).
    result, _ = py2023
    row = next(r for r in result.rows if r.aco == "A1026")
    assert (row.generated_pence, row.earned_pence, row.published_earned_pence, row.match) == (
        3_381_870_800, 1_657_116_692, 1_657_116_700, True,
    )


def test_py2023_is_fast(py2023):
    _, seconds = py2023
    assert seconds < 2.0


HEADER_2023 = "ACO_ID,ACO_Name,Current_Track,N_AB,MinSavPerc,ABtotBnchmk,ABtotExp,GenSaveLoss,DisAdj,EarnSaveLoss,QualScore,Met_QPS,Met_AltQPS,Rev_Exp_Cat"


@pytest.mark.parametrize(
    "row",
    [
        # PY2023's own formats: percent with a sign, whole dollars
        'A1001,Palm Beach ACO,EN,78364,2.00%,1098668352,998768668,99899684,0,73426268,89.91%,1,-,Low Revenue',
        # fractions, and money with $ and commas
        'A1001,Palm Beach ACO,EN,78364,0.0200,"$1,098,668,352","$998,768,668","$99,899,684",$0,"$73,426,268",0.8991,1,-,Low Revenue',
        # percentage points without a sign
        'A1001,Palm Beach ACO,EN,78364,2,1098668352.00,998768668.00,99899684,0,73426268,89.91,1,-,Low Revenue',
    ],
)
def test_number_formats_give_the_same_answer(row):
    # ENHANCED, MSR 2%: $99,899,684 x 75% x 0.98 = $73,426,267.74 (CMS $73,426,268)
    result = reconcile_text(csv(HEADER_2023 + "\n" + row), 2023)
    r = result.rows[0]
    assert (r.aco, r.earned_pence, r.published_earned_pence, r.match) == ("A1001", 7_342_626_774, 7_342_626_800, True)


def test_track_flags_and_no_aco_id_py2018():
    # PY2018 rows in that year's layout: Current_Track_1/2/3/_1_Plus flags, fractions, no
    # ACO_ID here (keyed by ACO_Name). Track 1: $112,523,299 x 50% x QS 0.9084 x 0.98 =
    # $50,085,920.76 (CMS $50,087,988: the published score is rounded; within 0.02%).
    # Track 3: $10,912,641 x 75% x 0.9026 x 0.98 = $7,239,566.08 (CMS $7,239,220);
    # Track 1+: $37,495,888 x 50% x 0.8531 x 0.98 = $15,673,993.61 (CMS $15,673,670);
    # the last, one-sided, lost 0.08% (inside its 2.1% MSR): 0.
    text = csv("""
        ACO_Name,Current_Start_Date,Current_Track_1,Current_Track_2,Current_Track_3,Current_Track_1_Plus,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,DisAdj,EarnSaveLoss,Met_QPS,QualScore,ABtotBnchmk,ABtotExp,FinalShareRate,RevLossLimit
        Palm Beach,01/01/2016 0:00,1,0,0,0,77372,0.104911788,0.02,112523299,112523299,,50087988,1,0.9084,1072551536,960028237,0.4542,0
        RGV,01/01/2016 0:00,0,0,1,0,11333,0.071174792,0.02,10912641,10912641,,7239220,1,0.9026,153321713,142409072,0.6769,0
        Advocate,01/01/2016 0:00,0,0,0,1,127371,0.025041364,0,37495888,37495888,,15673670,1,0.8531,1497358051,1459862163,0.4265,0
        NH Partners,01/01/2016 0:00,1,0,0,0,54981,-0.000811873,0.0210037,-474368,0,,0,1,0.8752,584288298,584762666,0.4376,0
    """)
    result = reconcile_text(text, 2018)
    assert [(r.aco, r.row, r.earned_pence, r.match) for r in result.rows] == [
        ("Palm Beach", 1, 5_008_592_076, True),
        ("RGV", 2, 723_956_608, True),
        ("Advocate", 3, 1_567_399_361, True),
        ("NH Partners", 4, 0, True),
    ]


def test_track_numbers_in_current_track():
    # Older letters: "1+" for Track 1+, "Track 3"; PY2018 rules
    text = csv("""
        ACO_ID,Current_Track,N_AB,MinSavPerc,ABtotBnchmk,ABtotExp,EarnSaveLoss,QualScore,Met_QPS
        X1,1+,127371,0.00%,1497358051,1459862163,15673670,85.31%,1
        X2,Track 3,11333,2.00%,153321713,142409072,7239220,90.26%,1
    """)
    assert [r.earned_pence for r in reconcile_text(text, 2018).rows] == [1_567_399_361, 723_956_608]


def test_missing_inputs_are_reported_not_guessed():
    # Row 1 lacks expenditure, row 2's beneficiaries are suppressed ("*"), row 3 is an
    # ENHANCED loss without the quality score its loss rate needs, row 4 is complete.
    text = csv(HEADER_2023 + """
        A1,One,EN,78364,2.00%,1098668352,,99899684,0,73426268,89.91%,1,-,Low Revenue
        A2,Two,B,*,3.00%,1000000,900000,100000,0,39200,80.00%,1,-,Low Revenue
        A3,Three,EN,21867,1.00%,242995775,251349785,-8354010,-2566990,-894285,,1,-,High Revenue
        A4,Four,EN,78364,2.00%,1098668352,998768668,99899684,0,73426268,89.91%,1,-,Low Revenue
    """)
    result = reconcile_text(text, 2023)
    assert [(r.aco, r.earned_pence, r.match) for r in result.rows] == [
        ("A1", None, None), ("A2", None, None), ("A3", None, None), ("A4", 7_342_626_774, True),
    ]
    assert [r.reason for r in result.rows[:3]] == [
        "not recomputed: missing ABtotExp",
        "not recomputed: missing N_AB",
        "not recomputed: the quality score is needed (the sharing or loss rate depends on it)",
    ]
    assert result.summary() == "1 of 4 ACOs match CMS's published earned savings or losses"


def test_small_two_sided_aco_without_published_msr_is_reported():
    text = csv(HEADER_2023 + "\nA9,Nine,E,4690,,57879052,60996859,-3117807,-370788,-138360,79.82%,1,-,Low Revenue")
    row = reconcile_text(text, 2023).rows[0]
    assert (row.earned_pence, row.reason) == (None, "not recomputed: missing MinSavPerc (an ACO under 5,000 beneficiaries has an MSR set by CMS)")


def test_unreadable_values_are_bad_input_naming_row_and_column():
    text = csv(HEADER_2023 + """
        A1,One,EN,78364,2.00%,1098668352,998768668,99899684,0,73426268,89.91%,1,-,Low Revenue
        A2,Two,EN,78364,2.00%,12x4,998768668,99899684,0,73426268,high,1,-,Low Revenue
    """)
    with pytest.raises(InputError) as e:
        reconcile_text(text, 2023, source="py.csv")
    assert [str(p) for p in e.value.problems] == [
        "py.csv row 3 column ABtotBnchmk: '12x4' is not a number (expected e.g. 1234, $1,234.56 or (1,234))",
        "py.csv row 3 column QualScore: 'high' is not a rate (expected e.g. 2.00%, 0.0200 or 2)",
    ]


def test_missing_columns_are_bad_input():
    with pytest.raises(InputError) as e:
        reconcile_text("ACO_Name,Current_Track,N_AB,ABtotBnchmk\nX,A,6000,100\n", 2023, source="py.csv")
    assert [str(p) for p in e.value.problems] == [
        "py.csv column ABtotExp: required column ABtotExp is missing",
        "py.csv column EarnSaveLoss: required column EarnSaveLoss is missing",
    ]


def test_cli_reconcile_writes_csv_and_prints_counts(tmp_path, capsys):
    from wholepop.cli import main

    puf = tmp_path / "puf.csv"
    puf.write_text(csv(HEADER_2023 + """
        A1241,Capped,E,10043,3.00%,119995393,128286290,-8290897,-823342,-1149065,82.68%,1,-,Low Revenue
        A1001,Palm Beach ACO,EN,78364,2.00%,1098668352,998768668,99899684,0,73426268,89.91%,1,-,Low Revenue
    """))
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as done:
        main(["mssp", "reconcile", str(puf), "--performance-year", "2023", "--out", str(out)])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "1 of 2 ACOs match CMS's published earned savings or losses"
    assert "A1241 (data row 1): losses capped by unpublished participant revenue" in printed
    lines = out.read_text().splitlines()
    assert lines[0] == "aco,row,generated_pence,earned_pence,published_earned_pence,match,reason"
    assert lines[2] == "A1001,2,9989968400,7342626774,7342626800,true,"
    assert lines[1].startswith("A1241,1,-829089700,-166392710,-114906500,false,")


def test_py2019_six_month_file_with_new_track_flags():
    # Jan-Jun 2019 layout: Current_Track_* and Current_BASIC_*/Current_ENHANCED flags, the
    # quality score in percentage points, no sequestration in 2019, totals already for six
    # months. A1001 Track 1: $57,047,752 x 50% x 0.9806 = $27,970,512.81 (CMS $27,971,226:
    # rounded score). A1037 Track 3: $6,857,825 x 75% x 0.9829 = $5,055,417.14 (CMS $5,055,288).
    # A1021 saved 1.11% < its 2.32% MSR: 0. B1 (made up) BASIC B: $50,000 = 5% >= 3.0% (10,000
    # beneficiaries) x 40% x 0.90 = $18,000.
    text = csv("""
        ACO_ID,Participation_Six_Months,Current_Track_1,Current_Track_2,Current_Track_3,Current_Track_1_Plus,Current_BASIC_A,Current_BASIC_B,Current_BASIC_C,Current_BASIC_D,Current_BASIC_E,Current_ENHANCED,N_AB,MinSavPerc,GenSaveLoss,DisAdj,EarnSaveLoss,Met_QPS,QualScore,ABtotBnchmk,ABtotExp
        A1001,1,1,0,0,0,0,0,0,0,0,0,74707,0.02,57047752,0,27971226,1,98.06,523183929,466136177
        A1037,1,0,0,1,0,0,0,0,0,0,0,10533,0.02,6857825,0,5055288,1,98.29,74116875,67259050
        A1021,1,1,0,0,0,0,0,0,0,0,0,37953,0.0232,0,0,0,1,92.17,206165236,203876656
        B1,1,0,0,0,0,0,1,0,0,0,0,10000,0.03,50000,0,18000,1,90.00,1000000,950000
    """)
    result = reconcile_text(text, 2019)
    assert [(r.aco, r.earned_pence, r.match) for r in result.rows] == [
        ("A1001", 2_797_051_281, True), ("A1037", 505_541_714, True), ("A1021", 0, True), ("B1", 1_800_000, True),
    ]


def test_py2014_layout_and_rounded_quality_score_is_explained():
    # PY2014 layout: ACO_Num, Track1/Track2 flags, fractions, no Met_QPS. Row 1: QS
    # published as 0.92 (2 decimals): $32,173,449 x 50% x 0.92 x 0.98 = $14,503,790.81 vs CMS
    # $14,455,933 (0.33% apart); CMS's amount implies a score of 0.9170. Row 2: 1.41% saved,
    # below its 2.93% MSR: 0. Row 3: 6,850 beneficiaries: MSR 3.6 - 0.2 x 850/1000 = 3.43%;
    # 4.92% saved: $6,277,693 x 50% x 0.87 x 0.98 = $2,676,180.53 vs CMS $2,684,351 (0.30%).
    text = csv("""
        ACO_Num,Track1,Track2,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,EarnSaveLoss,QualScore,ABtotBnchmk,ABtotExp,QualPerfShare,FinalShareRate
        A67373,1,0,34601,0.0714,0.0235,32173449,32173449,14455933,0.92,450902466,418729017,0.5,0.46
        A38665,1,0,11219,0.0141,0.0293,1495426,0,0,0.87,106387253,104891827,0.5,0.43
        A84830,1,0,6850,0.0492,0.0343,6277693,6277693,2684351,0.87,127483618,121205925,0.5,0.44
    """)
    rows = reconcile_text(text, 2014).rows
    assert [(r.aco, r.earned_pence, r.match) for r in rows] == [
        ("A67373", 1_450_379_081, False), ("A38665", 0, True), ("A84830", 267_618_053, False),
    ]
    assert "the published quality score 0.92 is rounded: CMS's amount implies a score of 0.9170" in rows[0].reason
