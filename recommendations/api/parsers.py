"""How the API reads a request's body: JSON, refusing what Python's reader cannot take.

Python's ``json`` raises ``RecursionError`` (not ``ValueError``) on arrays or objects nested
about a thousand deep, such as ``[[[[...]]]]``: DRF's parser let it through, a 500 instead of the
API's JSON 400. No body the API takes is nested more than two deep.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser


class JSONParser(DrfJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
