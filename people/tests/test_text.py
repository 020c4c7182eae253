"""people.text.clean_text: control characters and bidi overrides go, the text people mean stays."""

import pytest

from people.text import clean_text

RLO, LRE, PDF, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ada Lovelace", "Ada Lovelace"),
        (f"Mallory{RLO}moc.live", "Mallorymoc.live"),
        (f"{LRE}a{PDF}{RLI}b{PDI}", "ab"),
        ("nul\x00byte", "nulbyte"),
        ("bell\x07 and C1\x85\x9f", "bell and C1"),
        ("line\nbreak\ttab\r\n", "line break tab"),
        ("  trimmed  ", "trimmed"),
        ("שלום עולם", "שלום עולם"),  # right-to-left text itself is kept
        ("a\u200fb\u200ec", "a\u200fb\u200ec"),  # the RLM and LRM marks are kept
        ("Zoë 日本 😀", "Zoë 日本 😀"),
    ],
)
def test_one_line_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_multiline_text_keeps_line_breaks_and_tabs() -> None:
    assert clean_text(f"one\r\ntwo\rthree\n\tfour\x00{RLO}", multiline=True) == "one\ntwo\nthree\n\tfour"


def test_none_stays_none() -> None:
    assert clean_text(None) is None
