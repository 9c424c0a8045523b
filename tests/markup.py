"""HTML compared as a browser reads it: the elements with their attributes in order of name,
and the text with its whitespace folded (for markup written in Python held to a template's)."""

from html.parser import HTMLParser


class Elements(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.found, self.texts = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, sorted(attrs, key=lambda kv: kv[0])))

    def handle_endtag(self, tag):
        self.found.append(("/" + tag, []))

    def handle_data(self, data):
        if data.strip():
            self.texts.append(" ".join(data.split()))
