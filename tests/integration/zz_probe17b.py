import datetime, csv, io, re
import pytest
from recommendations.models import Status, MemberState, Recommendation, Cell
from tests.factories import ProgressUpdateFactory, cell_at
from recommendations.services import cell_refresh_status

pytestmark = pytest.mark.django_db
EVIL = """<script>alert(1)</script>"'&"""

def test_probe(client):
    MemberState.objects.filter(iso3="FRA").update(name="=cmd|' /C calc'!A0 " + EVIL)
    Recommendation.objects.filter(code="R03").update(title="=HYPERLINK(\"http://x\") " + EVIL)
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, status=Status.IMPLEMENTED, effective_date=datetime.date(2020,1,1), source="government", approved=True, narrative="N " + EVIL)
    cell_refresh_status(cell=cell)
    for p in ["/matrix/", "/matrix/western-european-others/", "/dashboard/", "/recommendations/R03/", "/states/FRA/", "/recommendations/R03/FRA/", "/matrix/?as_of=2021-01-01", "/dashboard/?as_of=2021-01-01", "/recommendations/R03/?as_of=2021-01-01", "/states/FRA/?as_of=2021-01-01"]:
        r = client.get(p)
        body = r.content.decode()
        print(p, r.status_code, "RAW" if "<script>alert" in body else "ok", body.count("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;"))
        for m in re.finditer(r"alert\(1", body):
            s = body[max(0,m.start()-120):m.end()+60]
            if "&lt;script" not in s: print("   ??", s)
    for p in ["/matrix/?format=csv", "/matrix/western-european-others/?format=csv", "/matrix/?format=csv&as_of=2021-01-01"]:
        r = client.get(p)
        text = b"".join(r.streaming_content).decode()
        print(p, r["Content-Disposition"])
        for row in csv.reader(io.StringIO(text)):
            if any("cmd" in c or "HYPER" in c for c in row): print("  ", row[:4])
