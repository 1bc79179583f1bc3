"""The layouts of CMS's per-ACO results files, one per performance year, as data.

CMS publishes "Performance Year Financial and Quality Results" every year with the same
core variables (``N_AB``, ``MinSavPerc``, ``ABtotBnchmk``, ``ABtotExp``, ``GenSaveLoss``,
``EarnSaveLoss``, ``QualScore``, ``FinalShareRate``) but changes three things between years:

* the key: ``ACO_Num`` (encrypted, PY2014-2017), ``ACO_ID`` (PY2018 on), or only
  ``ACO_Name`` in files that drop the number;
* how the track is written: ``Track1``/``Track2`` flags (PY2014-2015),
  ``Current_Track_1``/``_2``/``_3`` flags (PY2016-2017), plus ``Current_Track_1_Plus``
  (PY2018), plus ``Current_BASIC_A``...``Current_ENHANCED`` (PY2019, PY2021), then one
  ``Current_Track`` letter (PY2022 on);
* how rates are written: fractions (``0.0235``), percentage points (``98.08``) or with a
  sign (``2.00%``), and in some years thousands separators in the money columns.

``recognise(header)`` picks the layout whose marker columns are all in the header (and
whose excluded columns are not), most specific first. Each layout says how a *bare* number
in each rate column is to be read; a value written with ``%`` is always percent.

Where each layout comes from (``Layout.source``): the header and first rows of the files
themselves. PY2014, PY2015 and PY2023 are the files in ``../shared/data``; PY2016-2019,
PY2021, PY2022 and PY2024 were read from the copies kept in the ericwalczyk/
aco-savings-replication project (``data/2016.csv`` ...). Variable names and their years
agree with CMS's "Expanded Data Dictionary" (``ACO_Num`` 2014-2017, ``ACO_ID`` after).
No PY2013 or PY2020 file could be read here, so those layouts are not encoded: such a file
is refused with the columns expected, rather than read on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

__all__ = ["CORE_COLUMNS", "LAYOUTS", "Layout", "RateScale", "recognise", "unrecognised"]


class RateScale(StrEnum):
    """How a bare number (no ``%``) in a rate column is read."""

    FRACTION = "fraction"  # 0.0235 is 2.35%
    POINTS = "points"  # 2.35 is 2.35%
    # The layout writes the sign (2.35%); a bare number there is read by its size: any
    # value above 1 in the column means percentage points (no rate of ours exceeds 100%).
    SIGNED = "signed"


# The columns every layout needs, as CMS spells them (the key is ACO_ID, ACO_Num or ACO_Name).
CORE_COLUMNS = ("N_AB", "MinSavPerc", "ABtotBnchmk", "ABtotExp", "GenSaveLoss", "EarnSaveLoss", "QualScore")

_F, _P, _S = RateScale.FRACTION, RateScale.POINTS, RateScale.SIGNED


@dataclass(frozen=True)
class Layout:
    """One year's results-file layout.

    Attributes:
        name: e.g. ``"PY2015"``.
        years: the performance years published in it.
        markers: columns (CMS spelling) that must all be in the header.
        excluded: columns that must not be (they mark a neighbouring year).
        rates: logical rate column (``msr``, ``quality``, ``fsr``, ``max_share``) -> how a
            bare number is read.
        key: the ACO key column of CMS's file.
        track: how the track is written.
        quality: how the file marks pay-for-reporting and a failed quality standard.
        money: how money is written.
        source: where the layout was read.
    """

    name: str
    years: tuple[int, ...]
    markers: tuple[str, ...]
    rates: Mapping[str, RateScale]
    key: str
    track: str
    quality: str
    money: str
    source: str
    excluded: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line: the layout and its formats."""
        scales = ", ".join(f"{_LABEL[k]} {v.value}" for k, v in self.rates.items())
        return f"{self.name} results layout (key {self.key}; track {self.track}; rates: {scales}; money {self.money})"


_LABEL = {"msr": "MinSavPerc", "quality": "QualScore", "fsr": "FinalShareRate", "max_share": "QualPerfShare/MaxShareRate"}
_SHARED = "../shared/data (CMS PUF as kept by ericwalczyk/aco-savings-replication)"
_REPLICATION = "ericwalczyk/aco-savings-replication data/{} (header and first rows)"

# Most specific first: the first layout whose markers all match (and none of whose
# excluded columns is present) is the file's.
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "PY2024", (2024,), ("Current_Track", "Met_AltQPS", "Met_40pctl"),
        MappingProxyType({"msr": _P, "quality": _P, "fsr": _P}),
        "ACO_ID", "Current_Track letter (A-E, EN)",
        "Met_QPS / Met_AltQPS; Recvd40p (scored at the 40th percentile); ReducedSS, Guardrail",
        "whole dollars", _REPLICATION.format("2024.csv"),
    ),
    Layout(
        "PY2023", (2023,), ("Current_Track", "Met_AltQPS"),
        MappingProxyType({"msr": _S, "quality": _S, "fsr": _S}),
        "ACO_ID", "Current_Track letter (A-E, EN)",
        "Met_QPS / Met_AltQPS; Met_FirstYear; Recvd30p",
        "whole dollars", "../shared/data/cms-mssp-py2023-aco-results.csv (CMS PUF)",
        excluded=("Met_40pctl",),
    ),
    Layout(
        "PY2022", (2022,), ("Current_Track", "Met_QPS"),
        MappingProxyType({"msr": _S, "quality": _S, "fsr": _S}),
        "ACO_ID", "Current_Track letter (A-E, EN)",
        "Met_QPS (pass/fail); Met_FirstYear; Recvd30p",
        "whole dollars", _REPLICATION.format("2022.csv"),
        excluded=("Met_AltQPS",),
    ),
    Layout(
        "PY2021", (2021,), ("Current_BASIC_A", "Current_ENHANCED", "MaxShareRate"),
        MappingProxyType({"msr": _S, "quality": _S, "fsr": _S, "max_share": _S}),
        "ACO_ID", "0/1 flags Current_Track_1 ... Current_BASIC_A ... Current_ENHANCED",
        "Met_QPS (pass/fail); Recvd30p",
        "whole dollars with thousands separators", _REPLICATION.format("2021.csv"),
        excluded=("Participation_Six_Months",),
    ),
    Layout(
        # Both 2019 files (January-June and July-December) share the header; the first
        # writes fractions, the second signs and thousands separators. QualScore is in
        # percentage points in both.
        "PY2019", (2019,), ("Participation_Six_Months", "Current_BASIC_A", "Current_ENHANCED"),
        MappingProxyType({"msr": _F, "quality": _P, "fsr": _F, "max_share": _F}),
        "ACO_ID", "0/1 flags Current_Track_1 ... Current_BASIC_A ... Current_ENHANCED",
        "Met_QPS; QualScore; RecvdMean (scored at the mean)",
        "whole dollars (July-December: with thousands separators)",
        _REPLICATION.format("2019.csv and 2019A.csv"),
    ),
    Layout(
        "PY2018", (2018,), ("Current_Track_1", "Current_Track_1_Plus"),
        MappingProxyType({"msr": _F, "quality": _F, "fsr": _F, "max_share": _F}),
        "ACO_ID", "0/1 flags Current_Track_1, _2, _3, _1_Plus",
        "Met_QPS; QualScore", "whole dollars", _REPLICATION.format("2018.csv"),
        excluded=("Current_BASIC_A",),
    ),
    Layout(
        "PY2017", (2017,), ("Current_Track_1", "Current_Track_3", "DisAdj"),
        MappingProxyType({"msr": _F, "quality": _F, "fsr": _F, "max_share": _F}),
        "ACO_Num", "0/1 flags Current_Track_1, _2, _3",
        "Met_QPS; QualScore", "whole dollars", _REPLICATION.format("2017.csv"),
        excluded=("Current_Track_1_Plus", "Current_BASIC_A"),
    ),
    Layout(
        "PY2016", (2016,), ("Current_Track_1", "Current_Track_3", "Met_QPS"),
        MappingProxyType({"msr": _F, "quality": _F, "fsr": _F, "max_share": _F}),
        "ACO_Num", "0/1 flags Current_Track_1, _2, _3",
        "Met_QPS; QualScore", "whole dollars", _REPLICATION.format("2016.csv"),
        excluded=("Current_Track_1_Plus", "Current_BASIC_A", "DisAdj"),
    ),
    Layout(
        "PY2015", (2015,), ("Track1", "Track2", "N_AB_Year_PY"),
        MappingProxyType({"msr": _F, "quality": _P, "fsr": _P, "max_share": _P}),
        "ACO_Num", "0/1 flags Track1, Track2",
        "no Met_QPS: QualScore blank for a first-year (pay-for-reporting) ACO; "
        "FinalShareRate 0 for an ACO that failed the quality standard",
        "whole dollars", f"{_SHARED}, data/2015.csv",
    ),
    Layout(
        "PY2014", (2014,), ("Track1", "Track2"),
        MappingProxyType({"msr": _F, "quality": _F, "fsr": _F, "max_share": _F}),
        "ACO_Num", "0/1 flags Track1, Track2",
        "no Met_QPS: QualScore 'P4R' for a first-year (pay-for-reporting) ACO, rounded to 2 "
        "decimals otherwise; FinalShareRate 0 for an ACO that failed the quality standard",
        "whole dollars", f"{_SHARED}, data/2014.csv",
        excluded=("N_AB_Year_PY",),
    ),
)


def recognise(header: list[str]) -> Layout | None:
    """The layout of a results file with this header row, or None if it fits none."""
    names = {h.strip().lower() for h in header}
    for layout in LAYOUTS:
        if all(m.lower() in names for m in layout.markers) and not any(x.lower() in names for x in layout.excluded):
            return layout
    return None


def unrecognised(header: list[str]) -> str:
    """The one-line message for a header that fits no layout: the columns expected."""
    names = {h.strip().lower() for h in header}

    def missing(layout: Layout) -> list[str]:
        return [c for c in (*layout.markers, *CORE_COLUMNS) if c.lower() not in names]

    closest = min(LAYOUTS, key=lambda lay: len(missing(lay)))
    years = ", ".join(lay.name for lay in reversed(LAYOUTS))
    return (
        f"the header fits no CMS results layout ({years}; PY2013 and PY2020 are not encoded): expected "
        f"ACO_ID, ACO_Num or ACO_Name, {', '.join(CORE_COLUMNS)}, and the track as Current_Track, "
        f"Current_Track_1/2/3 (_1_Plus, Current_BASIC_A-E, Current_ENHANCED) or Track1/Track2 flags; "
        f"closest is {closest.name}, which also needs {', '.join(missing(closest)) or 'nothing more'}"
    )
