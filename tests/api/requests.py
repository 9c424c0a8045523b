"""What the API's tests send and expect: a valid body for a new update, a JSON request, the
one error body."""

UPDATES = "/api/v1/updates/"


def detail(update_or_id) -> str:
    return f"{UPDATES}{getattr(update_or_id, 'pk', update_or_id)}/"


def new_update(**changes) -> dict:
    """A valid body for a new update, R03 in France."""
    return {
        "recommendation": "R03",
        "state": "FRA",
        "status": "in_progress",
        "effective_date": "2020-05-01",
        "narrative": "A national review body was set up by decree.",
        "evidence": ["https://example.org/decree"],
        "source": "government",
        **changes,
    }


def send(client, method: str, url: str, body=None, **kwargs):
    """A JSON request (``body`` None: no body)."""
    if body is None:
        return getattr(client, method)(url, **kwargs)
    return getattr(client, method)(url, data=body, content_type="application/json", **kwargs)


def assert_error(response, status: int, rule: str) -> dict:
    """The API's one error body, as JSON, with the status and the rule that refused."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()
    assert (error["status"], error["rule"]) == (status, rule), error
    assert error["detail"]
    return error
