"""Text typed by people or sent by Hubstaff, cleaned where it enters: no control characters, no bidi overrides.

A name holding U+202E (right-to-left override) reverses everything after it on its line, e-mail and hours included;
a NUL byte goes raw into HTML and breaks PostgreSQL text columns. `clean_text` removes both kinds at the boundary
(forms, serializers, and the Hubstaff sync); templates also isolate every name with `<bdi>` (the `bdi` filter).
"""

import re
from typing import Any, overload

from django import forms

# C0 controls, DEL and C1 controls; and the bidi embeddings, overrides and isolates (U+202A-E, U+2066-9). The
# marks U+200E/U+200F (LRM, RLM) stay: right-to-left writers need them and they cannot reorder other text.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTILINE_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


@overload
def clean_text(value: None, *, multiline: bool = False) -> None: ...
@overload
def clean_text(value: object, *, multiline: bool = False) -> str: ...
def clean_text(value: object, *, multiline: bool = False) -> str | None:
    """`value` without control characters or bidi overrides.

    A one-line value (a name) has its tabs and line breaks turned into spaces and is trimmed; a multi-line value
    (a note) keeps its tabs and line breaks (CRLF becomes LF). None stays None.
    """
    if value is None:
        return None
    text = _BIDI_CONTROLS.sub("", str(value))
    if multiline:
        return _MULTILINE_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub(lambda match: " " if match[0] in "\t\n\r" else "", text).strip()


class CleanTextField(forms.CharField):
    """A form field whose value goes through `clean_text`: for names and other one-line text people type."""

    multiline = False

    def to_python(self, value: Any) -> str | None:
        return clean_text(super().to_python(value), multiline=self.multiline)


class CleanMultilineTextField(CleanTextField):
    """The same for notes: tabs and line breaks stay."""

    multiline = True
