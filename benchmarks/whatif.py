"""What-if speed (issue 20): how fast the web app answers once a provider is prepared.

Measures, on a prepared data folder (the 300k demo: ``wholepop synth --out demo/data``):

1. preparing it once (validation, stages, money facts) and the projection's baseline cells;
2. re-settling a year after a money-term change: the form's change applied to the saved
   contract (``whatif.with_terms``: TOML written and validated as ``check`` does) and the
   money rules run on the cached facts (``whatif.settle``), with the corridor and the uplift
   moved to a new value each repeat; median and max over ``--repeat``;
3. the same change through the web app, a POST of the What-if form as the browser sends
   it: settle, the 200-run projection and the rendered page fragment with its chart;
4. the 1,000-run projection of the whole term (``whatif.project``) from the cached cells,
   over the contract's own term and over 15 years.

Targets: (2) under 1 s at the median; (4) under 3 s.

    PYTHONPATH=src python benchmarks/whatif.py --data demo/data --year 2027 --repeat 21
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def _line(name: str, seconds: list[float]) -> str:
    return (f"{name:<58} median {statistics.median(seconds) * 1000:8.1f} ms   max {max(seconds) * 1000:8.1f} ms"
            f"   (n={len(seconds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="prepared data folder (with contract.toml)")
    parser.add_argument("--year", type=int, default=None, help="contract year to re-settle (default: the first with data)")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from wholepop.web import whatif
    from wholepop.web.app import ServeConfig, create_app
    from wholepop.web.workspace import Workspace

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ws = Workspace()
    provider = ws.add(args.data)
    t0 = time.perf_counter()
    prepared = ws.prepare(provider)
    t1 = time.perf_counter()
    base = prepared.projection_base()
    t2 = time.perf_counter()
    people = sum(p.person_months for p in prepared.facts.practices if p.year == prepared.years[0]) / 12
    print(f"prepared {args.data} ({people:,.0f} person-years in {prepared.years[0]}) once in {t1 - t0:.1f} s "
          f"(stages, money facts and projection cells; cached: {t2 - t1:.3f} s to find them again)")
    saved = provider.contract()
    year = args.year or prepared.years[0]
    share = "risk_share" if saved.risk_share is not None else "system_share"

    def change(i: int) -> dict[str, str]:
        return {f"{share}.corridor": f"{0.005 + 0.001 * (i % 20):.3f}", "budget.uplift": f"{0.02 + 0.0005 * i:.4f}"}

    def resettle(i: int) -> None:
        contract, errors, _ = whatif.with_terms(saved, change(i))
        assert contract is not None, errors
        whatif.settle(prepared.facts, contract, year)

    print(_line("re-settle after a money-term change (library)", _timed(resettle, args.repeat)))

    client = TestClient(create_app(ServeConfig(), workspace=ws), base_url="http://127.0.0.1")

    def request(i: int) -> None:
        r = client.post(f"/p/{provider.id}/whatif", data={"year": str(year), **change(i)})
        assert r.status_code == 200, r.text[:500]

    print(_line(f"what-if request (settle, {whatif.QUICK_RUNS}-run projection, page)", _timed(request, args.repeat)))
    n = max(3, args.repeat // 4)
    term = saved.contract.term_years
    projection = _timed(lambda i: whatif.project(base, saved, whatif.FULL_RUNS, seed=i, settled=prepared.facts), n)
    print(_line(f"projection, {whatif.FULL_RUNS:,} Monte Carlo runs x {term} years", projection))
    # the same cells projected over a 15-year term (an MCP's usual length; the demo's is 3)
    long, errors, _ = whatif.with_terms(saved, {"contract.term_years": "15"})
    assert long is not None, errors
    projection = _timed(lambda i: whatif.project(base, long, whatif.FULL_RUNS, seed=i, settled=prepared.facts), n)
    print(_line(f"projection, {whatif.FULL_RUNS:,} Monte Carlo runs x 15 years", projection))
    ws.close()


if __name__ == "__main__":
    main()
