import datetime, itertools
import pytest
from recommendations.models import Status
from tests.factories import ProgressUpdateFactory, cell_at
from recommendations.services import cell_refresh_status

pytestmark = pytest.mark.django_db

def approved(code, iso3, status, on):
    cell = cell_at(code, iso3)
    ProgressUpdateFactory(cell=cell, status=status, effective_date=on, source="government", approved=True)
    cell_refresh_status(cell=cell)

QS = ["group=african", "region=african&format=csv","as_of=0001-01-01","as_of=9999-12-31","as_of=1944-12-31","as_of=1945-01-01","as_of=garbage","as_of=2020-01-01&as_of=garbage",
 "as_of=" + "9"*5000, "as_of=2020-02-30", "as_of=%00", "as_of=2020-01-01%00", "theme=%00", "status=%00", "region=%00",
 "format=xlsx", "format=csv&theme=nope", "format=csv&status=<script>", "format=csv&as_of=garbage", "format=CSV", "format=csv&format=html",
 "region=XYZ", "region=WEOG&region=WEOG", "status=implemented&status=bogus", "theme=" + "a"*10000, "actor=%F0%9F%92%A9",
 "recommendation=R01", "state=FRA", "stale=3", "disagreement=maybe", "disagreement=yes", "page=99999", "sort=-x", "v=1", "q=<script>",
 "as_of=%D9%A2%D9%A0%D9%A2%D9%A0-01-01", "as_of=+2020-01-01", "as_of=2020-1-1", "as_of=20200101", "as_of=-2020-01-01",
]
PATHS = ["/matrix/", "/matrix/western-european-others/", "/matrix/african/", "/dashboard/", "/recommendations/R03/", "/states/FRA/",
         "/ar/matrix/", "/zh-hans/matrix/asia-pacific/", "/ar/dashboard/", "/zh-hans/recommendations/R03/", "/fr/states/FRA/"]

def test_probe(client):
    approved("R03", "FRA", Status.IMPLEMENTED, datetime.date(2020, 1, 1))
    approved("R03", "NGA", Status.DECLINED, datetime.date(2019, 1, 1))
    bad = []
    for p, q in itertools.product(PATHS, QS):
        try:
            r = client.get(f"{p}?{q}")
            code = r.status_code
            if hasattr(r, "streaming_content"):
                b"".join(r.streaming_content)
        except Exception as e:
            code = f"EXC {type(e).__name__}: {str(e)[:120]}"
        if code not in (200, 404):
            bad.append((p, q[:60], code))
        elif code == 404:
            bad.append((p, q[:60], 404))
    for b in bad: print(b)
    for p in ["/matrix/weog/", "/matrix/xyz/", "/matrix/%3Cscript%3E/", "/matrix/WEOG%00/", "/matrix/eeg/", "/ar/matrix/zzz/", "/matrix/WEOG/extra/", "/matrix", "/map/shapes.svg", "/ar/map/shapes.svg", "/map/shapes.svg?v=999", "/map/shapes.svg?v=%00", "/map/shapes.svg?v=" + "x"*5000]:
        try:
            r = client.get(p); print(p[:50], r.status_code, r.get("Content-Type"), r.get("ETag"), r.get("Cache-Control"))
        except Exception as e:
            print(p[:50], "EXC", e)
    for m in ["head", "post", "options", "put", "delete"]:
        for p in ["/map/shapes.svg", "/matrix/", "/matrix/african/", "/matrix/?format=csv"]:
            try:
                r = getattr(client, m)(p); print(m, p, r.status_code, r.get("Allow"), len(r.content) if not r.streaming else "stream")
            except Exception as e:
                print(m, p, "EXC", e)
    r = client.get("/map/shapes.svg", HTTP_IF_NONE_MATCH=client.get("/map/shapes.svg")["ETag"]); print("INM", r.status_code)
    r = client.get("/map/shapes.svg", HTTP_ACCEPT_ENCODING="gzip"); print("gz", r.get("Content-Encoding"), r.get("Vary"))
