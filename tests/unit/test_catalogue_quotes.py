"""Every recommendation quotes its source: its text stands, word for word, in the paragraph or
section it cites, in the source texts kept under ``recommendations/data/sources/``.

Read from the data files, without a database. Before comparing, both sides are normalised:
spacing and line breaks, curly and straight quotes, dashes (and the spaces around them), the
Markdown bold of the extraction, and letter case (a quote may begin mid-sentence). The text may
leave words out with "..." (or "…") and add an editorial word in square brackets ("which [is]
in itself"): each remaining fragment must then stand in the passage, in order. A record marked
``paraphrase: true`` is exempt from the word-for-word check, but must still cite a passage that
exists.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from django.conf import settings

DATA = Path(settings.TRACKER_DATA_DIR)

# The summary: a covering letter, an introduction, then paragraphs numbered 1-21, one a line.
SUMMARY_HEADING = "SUMMARY OF THE GENERAL ASSEMBLY THEMATIC DEBATE ON HUMAN TRAFFICKING"
NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$", re.MULTILINE)
PARAGRAPHS = re.compile(r"^paras?\. (\d+(?:[-–]\d+)?(?:, \d+(?:[-–]\d+)?)*)$")
# The background paper: sections "I. Introduction" and "II. Panels", the second in two panels.
SECTION = re.compile(r"^\s*(I|II)\. \S.*$", re.MULTILINE)
PANEL = re.compile(r"^\s*(Morning|Afternoon) Panel:.*$", re.MULTILINE)
CITED_SECTION = re.compile(r"^Section (I|II)\b")
CITED_PANEL = re.compile(r"\b(morning|afternoon) panel\b", re.IGNORECASE)

QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})
DASHES = re.compile(r"\s*[-‐‑‒–—―]\s*")
ELISIONS = re.compile(r"\.\.\.|…|\[[^\]]*\]")


def normalised(text: str) -> str:
    text = text.replace("**", "").translate(QUOTES)
    text = DASHES.sub("-", text)
    return " ".join(text.split()).casefold()


def fragments(quote: str) -> list[str]:
    """The quoted runs of words: the text split where words were left out or added."""
    runs = (run.strip(" .,;:") for run in ELISIONS.split(normalised(quote)))
    return [run for run in runs if run]


def summary_passages(text: str) -> dict[str, str]:
    letter, heading, body = text.partition(SUMMARY_HEADING)
    assert heading, "the summary's heading is missing"
    passages = {"letter": letter, "introduction": body.split("Opening Session")[0]}
    passages.update((number, paragraph) for number, paragraph in NUMBERED.findall(body))
    return passages


def background_passages(text: str) -> dict[str, str]:
    """Sections "I" and "II", and "II morning" / "II afternoon" for the panels of Section II."""
    passages: dict[str, str] = {}
    sections = list(SECTION.finditer(text))
    for index, match in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        passages[match.group(1)] = text[match.end() : end]
    panels = list(PANEL.finditer(passages.get("II", "")))
    for index, match in enumerate(panels):
        end = panels[index + 1].start() if index + 1 < len(panels) else None
        passages[f"II {match.group(1).lower()}"] = passages["II"][match.end() : end]
    return passages


def read_yaml(name: str):
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@cache
def passages(document: str) -> dict[str, str]:
    files = {doc["slug"]: doc["file"] for doc in read_yaml("documents.yaml")}
    text = (DATA / "sources" / files[document]).read_text(encoding="utf-8")
    return summary_passages(text) if document == "summary" else background_passages(text)


def paragraph_numbers(listed: str) -> list[str]:
    numbers: list[str] = []
    for part in listed.split(", "):
        first, _, last = part.replace("–", "-").partition("-")
        numbers += [str(n) for n in range(int(first), int(last or first) + 1)]
    return numbers


def cited_passage(document: str, reference: str) -> str:
    """The text a record cites, its passages joined in the order cited. AssertionError if the
    reference names no passage of its document."""
    found = passages(document)
    if document == "summary":
        if reference.startswith("Covering letter"):
            keys = ["letter"]
        elif reference.lower().startswith("introduction"):
            keys = ["introduction"]
        else:
            match = PARAGRAPHS.match(reference)
            assert match, f"{reference!r}: cite the summary as 'para. N' or 'paras. N, M'"
            keys = paragraph_numbers(match.group(1))
    else:
        match = CITED_SECTION.match(reference)
        assert match, f"{reference!r}: cite the background paper as 'Section I' or 'Section II'"
        panel = CITED_PANEL.search(reference)
        keys = [f"{match.group(1)} {panel.group(1).lower()}" if panel else match.group(1)]
    missing = [key for key in keys if key not in found]
    assert not missing, f"{reference!r}: no {', '.join(missing)} in the {document}"
    return " ".join(found[key] for key in keys)


def misquoted(text: str, passage: str) -> str | None:
    """The first fragment of the text that does not stand in the passage (in order), or None."""
    passage = normalised(passage)
    position = 0
    for fragment in fragments(text):
        found = passage.find(fragment, position)
        if found < 0:
            return fragment
        position = found + len(fragment)
    return None


RECORDS = read_yaml("recommendations.yaml")


def test_the_sources_split_into_the_paragraphs_and_sections_they_have():
    summary = passages("summary")
    assert [key for key in summary if key.isdigit()] == [str(n) for n in range(1, 22)]
    assert summary["12"].startswith("The **protection of victims**")
    assert "Participants agreed" in summary["letter"]
    background = passages("background")
    assert set(background) == {"I", "II", "II morning", "II afternoon"}
    assert "Article 9 of the Trafficking Protocol" in background["II morning"]
    assert "Article 9" not in background["II afternoon"]
    assert "Resolution 61/144" in background["I"]


@pytest.mark.parametrize("record", RECORDS, ids=[record["code"] for record in RECORDS])
def test_every_recommendation_quotes_the_passage_it_cites(record):
    passage = cited_passage(record["source_document"], record["source_reference"])
    assert isinstance(record.get("paraphrase", False), bool)
    if record.get("paraphrase"):
        return
    assert fragments(record["text"]), "an empty text quotes nothing"
    wrong = misquoted(record["text"], passage)
    assert wrong is None, (
        f"{record['code']}: {wrong!r} does not stand (in this order) in "
        f"{record['source_document']}, {record['source_reference']}; quote it exactly, or mark "
        "the record paraphrase: true"
    )


SUMMARY_12 = (
    "The Council of Europe Convention also criminalizes the use of services provided by victims "
    "of trafficking."
)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        (SUMMARY_12.replace("criminalizes", "forbids"), "para. 12"),  # a word changed
        (SUMMARY_12, "para. 13"),  # the wrong paragraph
        ("It also provides for a reflection period ... The protection of victims", "para. 12"),
        ("The Council of Europe Convention [...] decriminalizes", "para. 12"),
    ],
)
def test_a_misquotation_is_caught(text, reference):
    assert misquoted(text, cited_passage("summary", reference)) is not None


def test_quotes_survive_the_source_typography():
    passage = cited_passage("summary", "Covering letter")
    quote = (
        "Participants agreed that we need to create more effective partnerships involving all "
        "stakeholders - governments, lawmakers, media, businesses, non-governmental "
        "organizations, regional and international organizations - to create a common vision"
    )
    assert misquoted(quote, passage) is None
    assert misquoted('unethical "job brokers"', cited_passage("summary", "para. 10")) is None


@pytest.mark.parametrize(
    ("document", "reference"),
    [("summary", "para. 22"), ("summary", "page 3"), ("background", "Section III")],
)
def test_a_reference_to_no_passage_is_refused(document, reference):
    with pytest.raises(AssertionError):
        cited_passage(document, reference)
