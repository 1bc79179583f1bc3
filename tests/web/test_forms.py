"""Each English form through the app (the pacs preset has no share; virtual and partial
have an acute one): its preset loaded on the Contract page (the
provider's calendar kept), saved, settled to the library's figure, and moved on What if."""

from __future__ import annotations

import re

import pytest

from wholepop.pipeline import prepared as prepared_run, settle as library_settle

from .conftest import finish
from .test_routes import PID, _form_values, _pence


@pytest.mark.parametrize("form, share", [("pacs", None), ("virtual", "risk_share"), ("partial", "risk_share")])
def test_a_preset_saved_settles_to_the_librarys_figure(client, folder, form, share):
    before = (folder / "contract.toml").read_text()
    try:
        values = _form_values(client.get(f"/p/{PID}/contract?preset={form}").text)
        assert values["contract.form"] == form and values["contract.start_year"] == "2027"
        r = finish(client, client.post(f"/p/{PID}/contract/save", data=values, follow_redirects=False))
        assert r.status_code == 200, r.text[:1000]
        page = client.get(f"/p/{PID}/settle?year=2028")
        assert page.status_code == 200, page.text[:1000]
        with prepared_run(folder, folder / "contract.toml", years=(2028,)) as run:
            expected = library_settle(run, 2028)
        assert _pence(page.text, "total") == expected.total_payable_pence
        assert ("id=\"budget\"" in page.text) == (form != "virtual")
        whatif = client.get(f"/p/{PID}/whatif?year=2028")
        assert whatif.status_code == 200, whatif.text[-3000:]
        offered = set(re.findall(r'<input type="text" name="([^"]+)"', whatif.text))
        assert (f"{share}.corridor" in offered) if share else not any(n.endswith(".corridor") for n in offered)
        if share:
            moved = client.post(f"/p/{PID}/whatif", data={"year": "2028", f"{share}.corridor": "0.2"})
            assert moved.status_code == 200 and _pence(moved.text, "risk-share") == 0  # a 20% corridor holds the variance
    finally:
        (folder / "contract.toml").write_text(before)
