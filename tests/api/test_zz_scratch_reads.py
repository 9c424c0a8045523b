import datetime, json
import pytest
from recommendations.services import cell_refresh_status
from tests.factories import ProgressUpdateFactory, cell_at
pytestmark = pytest.mark.django_db

def test_look(client, editor):
    cell = cell_at("R03", "FRA")
    u = ProgressUpdateFactory(cell=cell, approved=True, effective_date=datetime.date(2021,1,1))
    cell_refresh_status(cell=cell)
    for url in ["/api/v1/", "/api/v1/themes/", "/api/v1/recommendations/?per_page=1", "/api/v1/recommendations/R03/",
                "/api/v1/states/?per_page=1", "/api/v1/cells/?per_page=2", f"/api/v1/updates/", f"/api/v1/updates/{u.pk}/",
                "/api/v1/summary/?state=FRA", "/api/v1/updates/?since=garbage", "/api/nope/", "/api/v1/documents/", "/api/v1/actors/?per_page=2"]:
        r = client.get(url, HTTP_ACCEPT="application/json")
        print(url, r.status_code, dict(r.headers))
        print(json.dumps(r.json(), indent=1)[:2500])
    r = client.get("/api/v1/states/FRA/")
    d = r.json(); d["cells"] = d["cells"][:3]; print(d)
