"""URL converters: only well-formed codes reach a view (anything else is a 404 from the
resolver, never a database error; PostgreSQL refuses NUL bytes in a query, for one)."""


class RecommendationCode:
    regex = r"[Rr][0-9]{1,3}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class ISO3:
    regex = r"[A-Za-z]{3}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value
