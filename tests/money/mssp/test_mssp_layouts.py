"""Every results-file layout: recognised from its real header, and one real ACO of each year reconciled.

The headers below are the leading columns of CMS's files, through the financial and
quality columns (PY2014, PY2015 and PY2023 are read from ../shared/data). The rows are
each file's first ACO, Palm Beach ACO (A67373 / A1001), and for PY2016-2017 a first-year
ACO and a Track 3 loss, with the values CMS published.
"""

import csv as csvlib
import io

import pytest

from tests.conftest import SHARED_DATA
from wholepop.errors import InputError
from wholepop.money.mssp.layouts import LAYOUTS, recognise
from wholepop.money.mssp.puf import reconcile_text

H2016 = (
    "ACO_Num,year,ACO_Name,ACO_State,Agree_Type,Agreement_Period_Num,Initial_Start_Date,Initial_Track_1,Initial_Track_2,"
    "Initial_Track_3,Current_Start_Date,Current_Track_1,Current_Track_2,Current_Track_3,Adv_Pay,AIM,N_AB,Sav_rate,"
    "MinSavPerc,BnchmkMinExp,GenSaveLoss,EarnSaveLoss,Met_QPS,QualScore,Prior_Sav_Adj,UpdatedBnchmk,HistBnchmk,"
    "ABtotBnchmk,ABtotExp,Adv_Pay_Amt,Adv_Pay_Recoup,QualPerfShare,FinalShareRate"
)
# PY2017 starts with ACO_Name; its ACO_Num is near the end (third from last in the file).
H2017 = (
    "ACO_Name,year,ACO_State,Agree_Type,Agreement_Period_Num,Initial_Start_Date,Initial_Track_1,Initial_Track_2,"
    "Initial_Track_3,Current_Start_Date,Current_Track_1,Current_Track_2,Current_Track_3,Adv_Pay,AIM,N_AB,Sav_rate,"
    "MinSavPerc,BnchmkMinExp,GenSaveLoss,DisAdj,EarnSaveLoss,Met_QPS,QualScore,Prior_Sav_Adj,RegTrndUpdt,PosRegAdj,"
    "UpdatedBnchmk,HistBnchmk,ABtotBnchmk,ABtotExp,Adv_Pay_Amt,Adv_Pay_Recoup,QualPerfShare,FinalShareRate,ACO_Num"
)
H2018 = (
    "chf_adm,copd_adm,ACO_ID,ACO_Name,ACO_State,Agree_Type,Agreement_Period_Num,Initial_Start_Date,Initial_Track_1,"
    "Initial_Track_2,Initial_Track_3,Initial_Track_1_Plus,Current_Start_Date,Current_Track_1,Current_Track_2,"
    "Current_Track_3,Current_Track_1_Plus,Adv_Pay,AIM,SNF_Waiver,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,"
    "DisAdj,EarnSaveLoss,DisAffQual,Met_QPS,QualScore,RecvdMean,Prior_Sav_Adj,RegTrndUpdt,PosRegAdj,UpdatedBnchmk,"
    "HistBnchmk,ABtotBnchmk,ABtotExp,Adv_Pay_Amt,Adv_Pay_Recoup,QualPerfShare,FinalShareRate,RevLossLimit,Rev_Exp_Cat"
)
H2019 = (
    "ACO_ID,ACO_Name,ACO_State,Agree_Type,Participation_Six_Months,Agreement_Period_Num,Initial_Start_Date,"
    "Initial_Track_1,Initial_Track_2,Initial_Track_3,Initial_Track_1_Plus,Initial_BASIC_A,Initial_BASIC_B,"
    "Initial_BASIC_C,Initial_BASIC_D,Initial_BASIC_E,Initial_ENHANCED,Current_Start_Date,Current_Track_1,"
    "Current_Track_2,Current_Track_3,Current_Track_1_Plus,Current_BASIC_A,Current_BASIC_B,Current_BASIC_C,"
    "Current_BASIC_D,Current_BASIC_E,Current_ENHANCED,Risk_Model,Adv_Pay,AIM,SNF_Waiver,N_AB,Sav_rate,MinSavPerc,"
    "BnchmkMinExp,GenSaveLoss,DisAdj,EarnSaveLoss,DisAffQual,Met_QPS,QualScore,RecvdMean,Prior_Sav_Adj,RegTrndUpdt,"
    "PosRegAdj,UpdatedBnchmk,HistBnchmk,ABtotBnchmk,ABtotExp,Adv_Pay_Amt,Adv_Pay_Recoup,QualPerfShare,FinalShareRate,"
    "RevLossLimit,Rev_Exp_Cat"
)
H2021 = (
    "ACO_ID,ACO_Name,ACO_State,Agree_Type,Agreement_Period_Num,Initial_Start_Date,Current_Start_Date,Current_Track_1,"
    "Current_Track_2,Current_Track_3,Current_Track_1_Plus,Current_BASIC_A,Current_BASIC_B,Current_BASIC_C,"
    "Current_BASIC_D,Current_BASIC_E,Current_ENHANCED,Risk_Model,Assign_Type,Adv_Pay,AIM,SNF_Waiver,N_AB,Sav_Rate,"
    "MinSavPerc,BnchmkMinExp,GenSaveLoss,DisAdj,EarnSaveLoss,DisAffQual,Met_QPS,Report_WI,Report_eCQM,Report_CQM,"
    "Report_Inc,QualScore,Recvd30p,PosRegAdj,UpdatedBnchmk,HistBnchmk,ABtotBnchmk,ABtotExp,Adv_Pay_Amt,"
    "Adv_Pay_Recoup,MaxShareRate,FinalShareRate,RevLossLimit,Rev_Exp_Cat"
)
H2022 = (
    "ACO_ID,ACO_Name,Agree_Type,Agreement_Period_Num,Current_Start_Date,Current_Track,Risk_Model,Assign_Type,"
    "SNF_Waiver,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,DisAdj,Impact_Mid_Year_Termination,EarnSaveLoss,"
    "DisAffQual,Met_QPS,Met_30pctl,Met_Incentive,Met_FirstYear,Report_WI,Report_eCQM_CQM,Report_Inc,QualScore,"
    "Recvd30p,PosRegAdj,UpdatedBnchmk,HistBnchmk,ABtotBnchmk,ABtotExp,FinalShareRate,Rev_Exp_Cat"
)
H2024 = (
    "ACO_ID,ACO_Name,Agree_Type,Agreement_Period_Num,Current_Start_Date,Current_Track,Risk_Model,Assign_Type,"
    "SNF_Waiver,N_AB,Sav_rate,MinSavPerc,BnchmkMinExp,GenSaveLoss,DisAdj,Impact_Mid_Year_Termination,EarnSaveLoss,"
    "DisAffQual,Met_QPS,Met_AltQPS,Met_40pctl,Met_Incentive,Met_FirstYear,Report_WI,Report_eCQM_CQM_MedicareCQM,"
    "Met_SSP_quality_reporting_requirements,QualScore,Recvd40p,AIP,AIPBalance,AIPRecoup,AIPOwe,RegAdj,PriorSavAdj,"
    "FinalAdjCat,UpdatedBnchmk,Guardrail,HistBnchmk,ABtotBnchmk,ABtotExp,FinalShareRate,ReducedSS,FinalLossRate,"
    "Rev_Exp_Cat"
)


def shared_header(year: int) -> str:
    path = SHARED_DATA / f"cms-mssp-py{year}-aco-results.csv"
    return path.read_text(encoding="utf-8-sig").splitlines()[0]


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (lambda: shared_header(2014), "PY2014"),
        (lambda: shared_header(2015), "PY2015"),
        (lambda: H2016, "PY2016"),
        (lambda: H2017, "PY2017"),
        (lambda: H2018, "PY2018"),
        (lambda: H2019, "PY2019"),
        (lambda: H2021, "PY2021"),
        (lambda: H2022, "PY2022"),
        (lambda: shared_header(2023), "PY2023"),
        (lambda: H2024, "PY2024"),
    ],
)
def test_each_real_header_is_recognised_as_its_year(header, name):
    layout = recognise(header().split(","))
    assert layout is not None and layout.name == name
    assert int(name[2:]) in layout.years


def test_layout_names_are_unique_and_cover_the_encoded_years():
    years = sorted(y for layout in LAYOUTS for y in layout.years)
    assert years == [2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023, 2024]


def row(header: str, **values: str) -> str:
    """A CSV of one data row in ``header``'s layout; columns not given are blank."""
    names = header.split(",")
    unknown = set(values) - set(names)
    assert not unknown, unknown
    buf = io.StringIO()
    w = csvlib.writer(buf, lineterminator="\n")
    w.writerow(names)
    w.writerow([values.get(n, "") for n in names])
    return buf.getvalue()


# Palm Beach ACO in each year's file, and a few others, as CMS published them, with the arithmetic.
REAL_ROWS = [
    # PY2016, Track 1 (flags), fractions. 51,150 beneficiaries: MSR 2.2 - 0.2 x 1,150/10,000
    # = 2.177% (published 0.0218); $667,198,021 - $604,446,165 = $62,751,856 = 9.41%:
    # x 50% x QS 0.9932 x 0.98 = $30,539,320.26 (CMS $30,540,508: 0.004% apart).
    (2016, "PY2016", row(
        H2016, ACO_Num="A67373", Agreement_Period_Num="2", Initial_Start_Date="7/1/12", Current_Start_Date="1/1/16",
        Current_Track_1="1", Current_Track_2="0", Current_Track_3="0", N_AB="51150", MinSavPerc="0.0218",
        GenSaveLoss="62751855", EarnSaveLoss="30540508", Met_QPS="1", QualScore="0.9932", ABtotBnchmk="667198021",
        ABtotExp="604446165", QualPerfShare="0.5", FinalShareRate="0.4966",
    ), 3_053_932_026),
    # PY2017: keyed by ACO_Num at the end. 67,521 beneficiaries: 60,000+ -> MSR 2%;
    # $899,870,234 - $836,717,663 = $63,152,571 x 50% x 0.9219 x 0.98 = $28,527,974.05
    # (CMS $28,529,398; 0.005% apart).
    (2017, "PY2017", row(
        H2017, ACO_Name="Palm Beach Accountable Care Organization, LLC", ACO_Num="A67373",
        Current_Track_1="1", Current_Track_2="0", Current_Track_3="0", N_AB="67521", MinSavPerc="0.0200",
        GenSaveLoss="63152570", EarnSaveLoss="28529398", Met_QPS="1", QualScore="0.9219", ABtotBnchmk="899870234",
        ABtotExp="836717663", QualPerfShare="0.5", FinalShareRate="0.461",
    ), 2_852_797_405),
    # PY2016, a first-year ACO (Initial, agreement 1, from 1 Jan 2016): the file writes its
    # pay-for-reporting score as 1. 10,137 beneficiaries: MSR 3.0 - 0.3 x 137/5,000 =
    # 2.9918% (published 0.0299); $106,315,509 - $101,895,715 = $4,419,794 = 4.16%:
    # x 50% x 1 x 0.98 = $2,165,699.06 (CMS $2,165,699).
    (2016, "PY2016", row(
        H2016, ACO_Num="A59816", ACO_Name="Prairie Hills Care Organization", Agree_Type="Initial",
        Agreement_Period_Num="1", Initial_Start_Date="1/1/16", Current_Start_Date="1/1/16", Current_Track_1="1",
        Current_Track_2="0", Current_Track_3="0", N_AB="10137", MinSavPerc="0.0299", BnchmkMinExp="4419794",
        GenSaveLoss="4419794", EarnSaveLoss="2165699", Met_QPS="1", QualScore="1", ABtotBnchmk="106315509",
        ABtotExp="101895715", QualPerfShare="0.5", FinalShareRate="0.5",
    ), 216_569_906),
    # PY2017, a first-year ACO again scored 1: 7,232 beneficiaries: MSR 3.4 - 0.2 x 232/1,000
    # = 3.3536% (published 0.0335); $65,536,866 - $61,724,806 = $3,812,060 = 5.82%:
    # x 50% x 0.98 = $1,867,909.40 (CMS $1,867,909).
    (2017, "PY2017", row(
        H2017, ACO_Name="Trillium Health, LLC", ACO_Num="A44604", Agree_Type="Initial", Agreement_Period_Num="1",
        Initial_Start_Date="1/1/17 00:00", Current_Start_Date="1/1/17 00:00", Current_Track_1="1", Current_Track_2="0",
        Current_Track_3="0", N_AB="7232", MinSavPerc="0.0335", GenSaveLoss="3812060", EarnSaveLoss="1867909",
        Met_QPS="1", QualScore="1", ABtotBnchmk="65536866", ABtotExp="61724806", QualPerfShare="0.5",
        FinalShareRate="0.5",
    ), 186_790_940),
    # PY2017, a Track 3 loss with a disaster adjustment (Oregon ACO): MSR/MLR 0%;
    # $217,486,220 - $224,512,548 = -$7,026,328; loss rate 1 - 75% x 0.9178 = 31.165%,
    # raised to the 40% floor: $2,810,531.20, under the 15% cap; less DisAdj $3,729 =
    # -$2,806,802.20 (CMS -$2,806,803).
    (2017, "PY2017", row(
        H2017, ACO_Name="Oregon ACO LLC", ACO_Num="A17421", Agree_Type="Initial", Agreement_Period_Num="1",
        Initial_Start_Date="1/1/16 00:00", Current_Start_Date="1/1/16 00:00", Current_Track_1="0",
        Current_Track_2="0", Current_Track_3="1", N_AB="21106", MinSavPerc="0.0000", BnchmkMinExp="-7026329",
        GenSaveLoss="-7026329", DisAdj="-3729", EarnSaveLoss="-2806803", Met_QPS="1", QualScore="0.9178",
        ABtotBnchmk="217486220", ABtotExp="224512548", QualPerfShare="0.75", FinalShareRate="0.6884",
    ), -280_680_220),
    # PY2018, Track 1: $112,523,299 x 50% x 0.9084 x 0.98 = $50,085,920.76 (CMS $50,087,988).
    (2018, "PY2018", row(
        H2018, ACO_ID="A1001", Current_Track_1="1", Current_Track_2="0", Current_Track_3="0",
        Current_Track_1_Plus="0", N_AB="77372", MinSavPerc="0.02", GenSaveLoss="112523299", EarnSaveLoss="50087988",
        Met_QPS="1", QualScore="0.9084", ABtotBnchmk="1072551536", ABtotExp="960028237", QualPerfShare="0.5",
        FinalShareRate="0.4542", RevLossLimit="0", Rev_Exp_Cat="Low Revenue",
    ), 5_008_592_076),
    # PY2019 July-December file: signs and thousands separators, QualScore in points,
    # ENHANCED, no sequestration in 2019: $28,130,669 x 75% x 0.9806 = $20,688,700.52
    # (CMS $20,689,229; 0.003% apart; the totals already cover the six months).
    (2019, "PY2019", row(
        H2019, ACO_ID="A1001", Participation_Six_Months="1", Agreement_Period_Num="3",
        Initial_Start_Date="07/01/2012", Current_Start_Date="07/01/2019", Current_Track_1="0", Current_Track_2="0",
        Current_Track_3="0", Current_Track_1_Plus="0", Current_BASIC_A="0", Current_BASIC_B="0", Current_BASIC_C="0",
        Current_BASIC_D="0", Current_BASIC_E="0", Current_ENHANCED="1", N_AB="77,947", Sav_rate="5.50%",
        MinSavPerc="2.00%", BnchmkMinExp="28,130,670", GenSaveLoss="28,130,670", EarnSaveLoss="20,689,229",
        Met_QPS="1", QualScore="98.06", ABtotBnchmk="511,073,870", ABtotExp="482,943,201", QualPerfShare="75%",
        FinalShareRate="74%", Rev_Exp_Cat="Low Revenue",
    ), 2_068_870_052),
    # PY2021, ENHANCED, pass/fail quality: met -> 75% x 0.98: $84,231,357 x 0.735 =
    # $61,910,047.40 (CMS $61,910,047).
    (2021, "PY2021", row(
        H2021, ACO_ID="A1001", Current_Track_1="0", Current_Track_2="0", Current_Track_3="0", Current_Track_1_Plus="0",
        Current_BASIC_A="0", Current_BASIC_B="0", Current_BASIC_C="0", Current_BASIC_D="0", Current_BASIC_E="0",
        Current_ENHANCED="1", N_AB="89,403", Sav_Rate="7.17%", MinSavPerc="2.00%", GenSaveLoss="84,231,357",
        EarnSaveLoss="61,910,047", Met_QPS="1", QualScore="100.00%", ABtotBnchmk="1,175,345,650",
        ABtotExp="1,091,114,293", MaxShareRate="75.00%", FinalShareRate="75.00%", Rev_Exp_Cat="Low Revenue",
    ), 6_191_004_740),
    # PY2022: $62,404,688 x 0.735 = $45,867,445.68 (CMS $45,867,446).
    (2022, "PY2022", row(
        H2022, ACO_ID="A1001", Current_Track="EN", N_AB="74992", MinSavPerc="2.00%", GenSaveLoss="62404688",
        EarnSaveLoss="45867446", Met_QPS="1", QualScore="89.41%", ABtotBnchmk="966116777", ABtotExp="903712089",
        FinalShareRate="75.00%", Rev_Exp_Cat="Low Revenue",
    ), 4_586_744_568),
    # PY2024: bare percentage points. $146,796,367 x 0.735 = $107,895,329.75 (CMS $107,895,330).
    (2024, "PY2024", row(
        H2024, ACO_ID="A1001", Current_Start_Date="7/1/2019", Current_Track="EN", N_AB="116175", MinSavPerc="2.00",
        GenSaveLoss="146796368", DisAdj="0", EarnSaveLoss="107895330", Met_QPS="1", Met_AltQPS="-", QualScore="77.05",
        ABtotBnchmk="1650927172", ABtotExp="1504130805", FinalShareRate="75.00", ReducedSS="0", FinalLossRate="42.21",
        Rev_Exp_Cat="Low Revenue",
    ), 10_789_532_975),
]


@pytest.mark.parametrize(("year", "name", "text", "earned"), REAL_ROWS, ids=[f"{r[1]}-{i}" for i, r in enumerate(REAL_ROWS)])
def test_a_real_aco_of_each_layout_reconciles(year, name, text, earned):
    result = reconcile_text(text, year)
    assert result.layout.name == name
    assert result.warnings == ()
    (r,) = result.rows
    assert (r.earned_pence, r.match, r.status) == (earned, True, "match")


def test_a_header_that_fits_no_layout_is_one_line_naming_the_columns():
    text = "ACO_ID,Current_Track,N_AB,MinSavPerc,ABtotBnchmk,ABtotExp,EarnSaveLoss,QualScore\nX1,A,6000,3.6,100,90,1\n"
    with pytest.raises(InputError) as e:
        reconcile_text(text, 2023, source="odd.csv")
    (problem,) = e.value.problems
    message = str(problem)
    assert "\n" not in message
    assert message.startswith("odd.csv: the header fits no CMS results layout (PY2014, PY2015, PY2016")
    assert "expected ACO_ID, ACO_Num or ACO_Name, N_AB, MinSavPerc, ABtotBnchmk, ABtotExp, GenSaveLoss" in message
    # The nearest layout is named with what it still needs.
    assert message.endswith("closest is PY2023, which also needs Met_AltQPS, GenSaveLoss")


def test_a_guardrail_row_that_differs_says_the_guardrail_is_not_encoded():
    # Made up in the PY2024 layout, after the two BASIC E ACOs of PY2024 that saved a
    # sliver with a 0% MSR and got GenSaveLoss 0 under the benchmark guardrail: ours shares
    # $10,000 x 50% x 0.98 = $4,900; the gate is where ours and CMS's part.
    text = row(
        H2024, ACO_ID="X1", Current_Start_Date="1/1/2024", Current_Track="E", N_AB="12000", MinSavPerc="0.00",
        GenSaveLoss="0", DisAdj="0", EarnSaveLoss="0", Met_QPS="1", Met_AltQPS="-", QualScore="80.00",
        ABtotBnchmk="100000000", ABtotExp="99990000", FinalShareRate="50.00", ReducedSS="0", Guardrail="1",
        Rev_Exp_Cat="High Revenue",
    )
    (r,) = reconcile_text(text, 2024).rows
    assert (r.earned_pence, r.match, r.status, r.step) == (490_000, False, "differs", "MSR/MLR")
    assert r.reason.endswith("Guardrail flagged: the PY2024 benchmark guardrail is not encoded")
