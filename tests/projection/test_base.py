"""The baseline reduced to cells by Ibis, on every engine."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from wholepop.engine import connect
from wholepop.money.facts import MoneyFacts
from wholepop.projection.base import LEVELS, SERVICES, projection_base
from wholepop.projection.demography import AGE_BANDS, SEXES
from wholepop.vocab import Segment, Service, Sex

POPULATION = {  # patient x practice x year; only 2026 counts
    "patient_id": ["p1", "p2", "p3", "p3", "p5", "p4"],
    "practice_code": ["A", "A", "A", "B", "B", "A"],
    "year": [2026, 2026, 2026, 2026, 2026, 2027],
    "sex": ["F", "F", "M", "M", "F", "F"],
    "age_band": ["70_74", "70_74", "0_4", "0_4", "70_74", "30_34"],
    "person_months": [12.0, 6.0, 4.0, 8.0, 12.0, 12.0],
    "weighted_population": [1.5, 0.75, 0.5, 0.75, 1.5, 1.0],
}
COSTS = {
    "patient_id": ["p1", "p1", "p2", "p3", "p3", "p3", "p1", "p9"],
    "year": [2026, 2026, 2026, 2026, 2026, 2026, 2027, 2026],
    "service": ["emergency_admission", "community", "community", "primary_medical", "primary_medical", "ae",
                "community", "community"],
    "cost_pence": [300_000, 10_000, 5_000, 1_500, 500, 1_000, 99_999, 77_777],
    "events": [1, 4, 2, 2, 1, 1, 9, 9],
}
SEGMENTS = {  # p5 has no row: staying well
    "patient_id": ["p1", "p2", "p3", "p4"],
    "year": [2026, 2026, 2026, 2027],
    "segment": ["very_high_needs", "very_high_needs", "staying_well", "ongoing_needs"],
}


def _cell(band, sex, level):
    return AGE_BANDS.index(band), SEXES.index(sex), LEVELS.index(level)


def _table(con, folder, name, columns):
    path = folder / f"{name}.parquet"
    pq.write_table(pa.table(columns), path)
    return con.read_parquet(path, table_name=name)


def test_people_weights_spend_and_second_moments_per_cell(engine, tmp_path):
    con = connect(engine)
    pop = _table(con, tmp_path, "pop", POPULATION)
    costs = _table(con, tmp_path, "costs", COSTS)
    segs = _table(con, tmp_path, "segs", SEGMENTS)
    base = projection_base(pop, costs, segs, MoneyFacts(practices=(), spend={}), 2026)

    old_vhn = _cell("70_74", Sex.FEMALE, Segment.VERY_HIGH_NEEDS)
    old_well = _cell("70_74", Sex.FEMALE, Segment.STAYING_WELL)
    baby = _cell("0_4", Sex.MALE, Segment.STAYING_WELL)
    assert base.people.sum() == 3.5 and base.heads.sum() == 4
    assert (base.people[old_vhn], base.people[old_well], base.people[baby]) == (1.5, 1.0, 1.0)
    assert (base.weighted[old_vhn], base.weighted[old_well], base.weighted[baby]) == (2.25, 1.5, 1.25)
    assert (base.heads[old_vhn], base.heads[old_well], base.heads[baby]) == (2, 1, 1)

    ea, comm, pm, ae = (SERVICES.index(s) for s in (Service.EMERGENCY_ADMISSION, Service.COMMUNITY,
                                                      Service.PRIMARY_MEDICAL, Service.AE))
    assert base.spend.sum() == 300_000 + 15_000 + 3_000  # 2027 rows and people outside the population left out
    assert (base.spend[old_vhn][ea], base.spend[old_vhn][comm]) == (300_000, 15_000)
    assert (base.spend[baby][pm], base.spend[baby][ae], base.events[baby][pm]) == (2_000, 1_000, 3)
    assert base.cross[old_vhn][ea, comm] == base.cross[old_vhn][comm, ea] == 300_000 * 10_000
    assert base.cross[old_vhn][comm, comm] == 10_000**2 + 5_000**2
    assert base.cross[baby][pm, ae] == 2_000 * 1_000

    # Two people in the cell, spending 310,000 and 5,000: mean 157,500, variance 23,256,250,000.
    assert np.isclose(base.gamma_shape()[old_vhn], 157_500**2 / 23_256_250_000, rtol=1e-12)
    assert base.gamma_shape()[baby] == np.inf  # one person: no spread to measure
