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
    assert result.layout.name == "PY2023" and result.warnings == ()
    assert result.summary() == (
        "450 of 453 ACOs match CMS's published earned savings or losses; 3 more are losses capped by "
        "participant revenue, which CMS does not publish"
    )
    assert (sum(r.match for r in savings), len(savings)) == (313, 313)
    assert (sum(r.match for r in zero), len(zero)) == (120, 120)
    assert (sum(r.match for r in losses), len(losses)) == (17, 20)
    # The three that differ are BASIC losses capped by participant revenue, which CMS does
    # not publish; the revenue each implies agrees with its "Low Revenue" category.
    unmatched = [(r.aco, r.row, r.track.value, r.step, r.status) for r in rows if not r.match]
    assert unmatched == [
        ("A1241", 21, "BASIC_E", "loss cap", "revenue cap"),
        ("A4627", 299, "BASIC_E", "loss cap", "revenue cap"),
        ("A5293", 448, "BASIC_C", "loss cap", "revenue cap"),
    ]
    assert "losses capped by unpublished participant revenue" in rows[20].reason
    assert "19.2% of expenditure: consistent with its Low Revenue category (< 35%)" in rows[20].reason


def test_py2023_counts_per_track(py2023):
    result, _ = py2023
    counts = {(track, kind): (matched, explained, total) for track, kind, matched, explained, total in result.counts()}
    assert counts[("ENHANCED", "earned savings")] == (134, 0, 134)
    assert counts[("ENHANCED", "shared losses")] == (9, 0, 9)
    assert counts[("BASIC_E", "shared losses")] == (7, 2, 9)
    assert counts[("BASIC_C", "shared losses")] == (0, 1, 1)
    assert counts[("all tracks", "shared losses")] == (17, 3, 20)


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
        reconcile_text("ACO_Name,Current_Track,Met_AltQPS,N_AB,ABtotBnchmk\nX,A,,6000,100\n", 2023, source="py.csv")
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
    captured = capsys.readouterr()
    printed = captured.out.splitlines()
    assert captured.err == ""
    assert printed[0].startswith("layout: PY2023 results layout (key ACO_ID; track Current_Track letter")
    assert printed[1] == (
        "rules: performance year 2023 (quality pass/fail or the alternative standard; first-year ACOs "
        "pay-for-reporting (42 CFR 425.512(a)(2) (reporting via the APP with data completeness)); sequestration 0.98; "
        "COVID-19 emergency 5/12 of losses)"
    )
    assert printed[2] == (
        "1 of 2 ACOs match CMS's published earned savings or losses; 1 more is a loss capped by participant "
        "revenue, which CMS does not publish"
    )
    # Counts per track and CMS outcome: BASIC_E's loss is explained, ENHANCED's savings match.
    assert "BASIC_E      shared losses                 0         1     1" in printed
    assert "ENHANCED     earned savings                1         0     1" in printed
    assert any(
        line.startswith("  A1241 (data row 1, BASIC_E) [loss cap, revenue cap]: losses capped by unpublished participant revenue")
        for line in printed
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "aco,row,track,generated_pence,earned_pence,published_earned_pence,match,status,step,reason"
    assert lines[2] == "A1001,2,ENHANCED,9989968400,7342626774,7342626800,true,match,,"
    assert lines[1].startswith("A1241,1,BASIC_E,-829089700,-166392710,-114906500,false,revenue cap,loss cap,")


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


def test_py2014_rounded_quality_score_is_the_first_difference():
    # PY2014 layout: ACO_Num, Track1/Track2 flags, fractions, no Met_QPS; QualScore to 2
    # decimals. Row 1: $32,173,449 x 50% x 0.92 x 0.98 = $14,503,790.81 vs CMS $14,455,933
    # (0.33% apart): CMS's amount implies a score of 14,455,933 / (32,173,449 x 0.5 x 0.98)
    # = 0.916964, inside 0.92 +/- 0.005 (0.915 gives $14,424,966.61, 0.925 $14,582,615.58).
    # Row 2: 1.41% saved, below its 2.93% MSR: 0. Row 3: 6,850 beneficiaries: MSR 3.6 - 0.2
    # x 850/1000 = 3.43%; 4.92% saved: $6,277,693 x 50% x 0.87 x 0.98 = $2,676,180.53 vs
    # CMS $2,684,351 (implied 0.872656, inside 0.87 +/- 0.005).
    text = csv("""
        ACO_Num,Track1,Track2,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,EarnSaveLoss,QualScore,ABtotBnchmk,ABtotExp,QualPerfShare,FinalShareRate
        A67373,1,0,34601,0.0714,0.0235,32173449,32173449,14455933,0.92,450902466,418729017,0.5,0.46
        A38665,1,0,11219,0.0141,0.0293,1495426,0,0,0.87,106387253,104891827,0.5,0.43
        A84830,1,0,6850,0.0492,0.0343,6277693,6277693,2684351,0.87,127483618,121205925,0.5,0.44
    """)
    result = reconcile_text(text, 2014)
    assert result.layout.name == "PY2014"
    rows = result.rows
    assert [(r.aco, r.earned_pence, r.match, r.status, r.step) for r in rows] == [
        ("A67373", 1_450_379_081, False, "within rounding", "quality"),
        ("A38665", 0, True, "match", ""),
        ("A84830", 267_618_053, False, "within rounding", "quality"),
    ]
    assert rows[0].reason == (
        "quality: the published QualScore 0.92 is rounded (92.0000% +/- 0.5000%); CMS's amount implies 91.6964%, "
        "ours uses 92.0000%; earned: ours $14,503,790.81 vs CMS $14,455,933 (+0.33%)"
    )


def test_a_score_outside_its_rounding_is_not_explained():
    # The same ACO with CMS's amount moved outside what 0.915-0.925 allows
    # ($14,424,966.61-$14,582,615.58): it differs, and the first difference is still quality
    # (the implied score 0.9000 is not within 0.92 +/- 0.005).
    text = csv("""
        ACO_Num,Track1,Track2,N_AB,MinSavPerc,BnchmkMinExp,GenSaveLoss,EarnSaveLoss,QualScore,ABtotBnchmk,ABtotExp,QualPerfShare,FinalShareRate
        A67373,1,0,34601,0.0235,32173449,32173449,14188490,0.92,450902466,418729017,0.5,0.46
    """)
    (r,) = reconcile_text(text, 2014).rows
    assert (r.match, r.status, r.step) == (False, "differs", "sequestration")
    assert r.reason.startswith("every published input agrees; the last step differs")


PY2014 = SHARED_DATA / "cms-mssp-py2014-aco-results.csv"
PY2015 = SHARED_DATA / "cms-mssp-py2015-aco-results.csv"


@pytest.fixture(scope="module")
def py2014():
    return reconcile(PY2014, 2014)


@pytest.fixture(scope="module")
def py2015():
    return reconcile(PY2015, 2015)


def kinds(result):
    return {
        (track, kind): (matched, explained, total)
        for track, kind, matched, explained, total in result.counts() if track == "all tracks"
    }


def test_py2014_real_file(py2014):
    # 333 ACOs, 119 of them pay-for-reporting ('P4R', all starting 1 Jan 2014). No ACO
    # had losses. 24 of the 86 with earned savings match to $2 or 0.02%; the other 62 lie
    # inside the range their 2-decimal QualScore allows and nowhere else do ours and CMS's
    # part: the file cannot give a closer answer.
    assert py2014.layout.name == "PY2014" and py2014.warnings == ()
    counts = kinds(py2014)
    assert counts[("all tracks", "earned savings")] == (24, 62, 86)
    assert counts[("all tracks", "shared losses")] == (0, 0, 0)
    assert counts[("all tracks", "nothing earned or owed")] == (247, 0, 247)
    unmatched = [r for r in py2014.rows if not r.match]
    assert {(r.status, r.step) for r in unmatched} == {("within rounding", "quality")}
    assert py2014.summary() == (
        "271 of 333 ACOs match CMS's published earned savings or losses; 62 more lie within the rounding of the "
        "published quality score"
    )


def test_py2014_pay_for_reporting_aco(py2014):
    # A16779 (data row 217), P4R, 5,837 beneficiaries: MSR 3.9 - 0.3 x 837/1,000 = 3.6489%
    # (published 0.0365); $74,023,974 - $68,446,752 = $5,577,222 = 7.53% >= MSR; pay for
    # reporting: the full 50% x 0.98 = $2,732,838.78 (CMS $2,732,839).
    r = py2014.rows[216]
    assert (r.aco, r.generated_pence, r.earned_pence, r.published_earned_pence, r.match) == (
        "A16779", 557_722_200, 273_283_878, 273_283_900, True,
    )
    # A80939 (data row 220), P4R but FinalShareRate 0 (it did not report completely and
    # accurately): 6.29% saved >= its 3.7% MSR, yet nothing earned, as CMS.
    r = py2014.rows[219]
    assert (r.aco, r.generated_pence, r.earned_pence, r.match) == ("A80939", 339_612_700, 0, True)


def test_py2015_real_file(py2015):
    # Every ACO matches: 119 of 119 with earned savings (89 first-year ACOs have a blank
    # QualScore: pay for reporting), 273 of 273 with nothing; no ACO had losses.
    assert py2015.layout.name == "PY2015" and py2015.warnings == ()
    assert py2015.summary() == "392 of 392 ACOs match CMS's published earned savings or losses"
    counts = kinds(py2015)
    assert counts[("all tracks", "earned savings")] == (119, 0, 119)
    assert counts[("all tracks", "shared losses")] == (0, 0, 0)


def test_py2015_blank_score_msr_scale_and_failed_quality(py2015):
    # A91307 (data row 306): QualScore blank, agreement from 1 Jan 2015: pay for reporting.
    # 11,944 beneficiaries: MSR 3.0 - 0.3 x 1,944/5,000 = 2.88336% (published 0.0288, a
    # fraction); $123,068,878 - $118,630,935 = $4,437,943 = 3.61% >= MSR: x 50% x 0.98 =
    # $2,174,592.07 (CMS $2,174,592).
    r = py2015.rows[305]
    assert (r.aco, r.earned_pence, r.published_earned_pence, r.match) == ("A91307", 217_459_207, 217_459_200, True)
    # A92615 (data row 289): QualScore 69.94 but FinalShareRate 0: it failed the quality
    # standard, so its 9.49% savings (above the 6.23% MSR) earn nothing, as CMS.
    r = py2015.rows[288]
    assert (r.aco, r.generated_pence, r.earned_pence, r.match) == ("A92615", 175_031_700, 0, True)


def test_a_twelve_percent_msr_is_read_as_a_fraction():
    # PY2015 prints MinSavPerc as a fraction, up to 0.1211 (12.11%, A29971, 513
    # beneficiaries, an MSR CMS set itself). Read by size it would look like percentage
    # points (0.12%); the layout says fraction. Gross $3,782,336 - $4,986,663 < 0: nothing.
    # A made-up second row saves 11% (< 12.11%): nothing either.
    header = PY2015.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    values = [
        {"ACO_Num": "A29971", "N_AB": "513", "MinSavPerc": "0.1211", "GenSaveLoss": "0", "EarnSaveLoss": "0",
         "QualScore": "92.89", "ABtotBnchmk": "3782336", "ABtotExp": "4986663", "QualPerfShare": "50",
         "FinalShareRate": "46.45", "Start_Date": "1/1/14", "Track1": "1", "Track2": "0"},
        {"ACO_Num": "X1", "N_AB": "513", "MinSavPerc": "0.1211", "GenSaveLoss": "0", "EarnSaveLoss": "0",
         "QualScore": "92.89", "ABtotBnchmk": "1000000", "ABtotExp": "890000", "QualPerfShare": "50",
         "FinalShareRate": "46.45", "Start_Date": "1/1/14", "Track1": "1", "Track2": "0"},
    ]
    lines = [",".join(header)] + [",".join(v.get(h, "") for h in header) for v in values]
    rows = reconcile_text("\n".join(lines) + "\n", 2015).rows
    assert [(r.earned_pence, r.match) for r in rows] == [(0, True), (0, True)]


def test_an_msr_difference_is_shown_on_one_scale():
    # 12,000 beneficiaries: our MSR 3.0 - 0.3 x 2,000/5,000 = 2.88%; the file says 3.50%.
    # 3.2% saved passes ours, not CMS's: the first difference is the MSR, both in per cent.
    text = csv(HEADER_2023 + "\nA9,Nine,B,12000,3.50%,1000000,968000,0,0,0,80.00%,1,-,Low Revenue")
    (r,) = reconcile_text(text, 2023).rows
    assert (r.step, r.earned_pence) == ("MSR/MLR", 1_254_400)  # $32,000 x 40% x 0.98
    assert r.reason.startswith("MSR/MLR: ours 2.8800% (variable MSR for 12,000 assigned beneficiaries")
    assert "vs CMS's MinSavPerc 3.5000%; earned: ours $12,544 vs CMS $0" in r.reason


def test_a_file_of_another_year_is_reconciled_with_a_warning(capsys, tmp_path):
    from wholepop.cli import main

    # The PY2015 file under the 2014 rules: its layout, its year column and its 2015
    # agreements all say 2015.
    result = reconcile(PY2015, 2014)
    assert result.warnings == (
        "the header is the PY2015 layout, but the performance year given is 2014: the 2014 rules are applied to it",
        "the file's year column says 2015 on 392 rows, not 2014",
        "89 ACOs have an agreement starting after 2014 (start date column): is the file of a later year?",
    )
    with pytest.raises(SystemExit) as done:
        main(["mssp", "reconcile", str(PY2015), "--performance-year", "2014", "--out", str(tmp_path / "o.csv")])
    assert done.value.code == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("warning: the header is the PY2015 layout")
    assert len(err) == 3


def test_cli_refuses_a_header_of_no_layout(capsys, tmp_path):
    from wholepop.cli import main

    puf = tmp_path / "odd.csv"
    puf.write_text("ACO,Benchmark,Spend\nX,100,90\n")
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as done:
        main(["mssp", "reconcile", str(puf), "--performance-year", "2023", "--out", str(out)])
    assert done.value.code == 1  # an InputError, as every other bad input file
    err = capsys.readouterr().err
    assert err.startswith("error: odd.csv: the header fits no CMS results layout")
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


H2014 = "ACO_Num,Start_Date,Track1,Track2,N_AB,MinSavPerc,BnchmkMinExp,GenSaveLoss,EarnSaveLoss,QualScore,ABtotBnchmk,ABtotExp,QualPerfShare,FinalShareRate"


def test_first_difference_steps_in_order():
    # Made-up PY2014 rows, 10,000 beneficiaries (MSR 3.0%), $1,000,000 benchmark, $950,000
    # spent: $50,000 = 5% saved.
    text = csv(H2014 + """
        B1,1/1/13,1,0,10000,0.0300,60000,60000,26460,0.9,1000000,950000,0.5,0.45
        Q1,1/1/14,1,0,10000,0.0300,50000,50000,22050,P4R,1000000,950000,0.5,0.45
        S1,1/1/13,1,0,10000,0.0300,50000,50000,26460,0.9,1000000,950000,0.6,0.54
        C1,1/1/13,1,0,10000,0.0300,50000,50000,20000,0.9,1000000,950000,0.5,0.45
    """)
    rows = reconcile_text(text, 2014).rows
    # B1: CMS's BnchmkMinExp $60,000 (and $26,460 earned on it) is not our $1,000,000 - $950,000.
    assert (rows[0].step, rows[0].reason.split(";")[0]) == (
        "benchmark", "benchmark - expenditure: ours $50,000 (ABtotBnchmk - ABtotExp) vs CMS's BnchmkMinExp $60,000",
    )
    # Q1: pay for reporting gives the full rate, CMS's FinalShareRate is 45% of 50% (90%):
    # ours $50,000 x 50% x 0.98 = $24,500.
    assert rows[1].step == "quality"
    assert rows[1].reason.startswith(
        "quality: ours 100.0000% of the maximum rate (pay-for-reporting, reported) vs CMS's 90.0000% "
        "(FinalShareRate 45.0000% / 50.0000%); earned: ours $24,500 vs CMS $22,050 (+11.11%)"
    )
    # S1: CMS applied a 60% maximum to a Track 1 ACO.
    assert (rows[2].step, rows[2].reason.split(";")[0]) == (
        "sharing rate", "maximum sharing rate: ours 50.0000% (TRACK_1) vs CMS's 60.0000%",
    )
    # C1: every input agrees, the amount does not: the last step.
    assert rows[3].step == "sequestration"
    assert rows[3].reason == (
        "every published input agrees; the last step differs (generated $50,000 x sharing rate 45.0000% x "
        "sequestration 0.98); earned: ours $22,050 vs CMS $20,000 (+10.25%)"
    )


def test_a_blank_score_outside_a_first_year_is_missing_not_pay_for_reporting():
    # PY2014 rules, an agreement from 2013: its second year, so a blank QualScore is a
    # missing score, not pay for reporting.
    text = csv(H2014 + "\nM1,1/1/13,1,0,10000,0.0300,50000,50000,22050,,1000000,950000,0.5,0.45")
    (r,) = reconcile_text(text, 2014).rows
    assert (r.status, r.reason) == (
        "not recomputed", "not recomputed: missing QualScore (and not pay-for-reporting: the agreement did not start this year)",
    )


def test_a_first_year_enhanced_aco_keeps_its_score_for_the_loss_rate():
    # PY2023 layout (the real header), a made-up first-year ENHANCED ACO (Met_FirstYear 1)
    # with a loss: $100,000,000 - $103,000,000 = -$3,000,000 = 3% >= its 2% MLR; loss rate
    # 1 - 75% x 0.80 = 40%: $1,200,000, less DisAdj $500,000 = -$700,000. The score is still
    # read although the first-year marker makes it a reporting-standard year.
    header = PY2023.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    values = {
        "ACO_ID": "X1", "Agreement_Period_Num": "1", "Current_Start_Date": "01/01/2023", "Current_Track": "EN",
        "N_AB": "20000", "MinSavPerc": "2.00%", "GenSaveLoss": "-3000000", "DisAdj": "-500000",
        "EarnSaveLoss": "-700000", "Met_QPS": "1", "Met_AltQPS": "-", "Met_FirstYear": "1", "QualScore": "80.00%",
        "ABtotBnchmk": "100000000", "ABtotExp": "103000000", "FinalShareRate": "75.00%", "FinalLossRate": "40.00%",
        "Rev_Exp_Cat": "High Revenue",
    }
    text = ",".join(header) + "\n" + ",".join(values.get(h, "") for h in header) + "\n"
    (r,) = reconcile_text(text, 2023).rows
    assert (r.earned_pence, r.match) == (-70_000_000, True)


def test_a_column_that_contradicts_its_layout_is_read_by_size_with_a_warning():
    # The PY2014 layout writes QualScore as a fraction; this copy has it in points (92).
    # Read as 0.92, with a warning, the row gives the same $14,503,790.81 as in the
    # PY2014 test above.
    text = csv("""
        ACO_Num,Track1,Track2,N_AB,MinSavPerc,GenSaveLoss,EarnSaveLoss,QualScore,ABtotBnchmk,ABtotExp,QualPerfShare,FinalShareRate
        A67373,1,0,34601,0.0235,32173449,14455933,92,450902466,418729017,0.5,0.46
    """)
    result = reconcile_text(text, 2014)
    assert result.rows[0].earned_pence == 1_450_379_081
    assert result.warnings == (
        "QualScore has bare values above 1, which this layout writes as fractions: read as percentage points",
    )
