"""Full-text search over requests, on SQLite FTS5 or PostgreSQL text search.

Both engines index the same normalised text: case-folded, with accents removed, so that
"matiere" finds "matière" on either engine. Words match by prefix. Scripts written without
spaces (Chinese, Japanese) are not split into words by either engine, so a query in such a
script falls back to a substring match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, String, func, select, text

from comity.store.tables import request_search

_WORD = re.compile(r"\w+")
_UNSEGMENTED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def normalise(value: str) -> str:
    """Case-fold and strip combining accents."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def document(parts: Iterable[Any]) -> str:
    """The searchable text of a request: every string found in ``parts``, normalised.

    Punctuation becomes space, so both engines see the same words: PostgreSQL's parser
    would otherwise read "XA-2026-3BC2" as signed numbers and "203.0.113.7" as one host.
    """
    return " ".join(_WORD.findall(normalise(" ".join(_strings(parts)))))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def matching_ids(query: str, dialect: str) -> Select[tuple[str]] | None:
    """A select of the ids of requests matching ``query``; None if it has no words."""
    folded = normalise(query).strip()
    words = _WORD.findall(folded)
    if not words:
        return None
    if _UNSEGMENTED.search(folded):
        return select(request_search.c.request_id).where(
            request_search.c.body.contains(folded, autoescape=True)
        )
    if dialect == "postgresql":
        # Words are \w+ runs, so they cannot carry tsquery operators.
        tsquery = " & ".join(f"{word}:*" for word in words)
        matches = func.to_tsvector("simple", request_search.c.body).bool_op("@@")(
            func.to_tsquery("simple", tsquery)
        )
        return select(request_search.c.request_id).where(matches)
    # Each word is quoted, so FTS5 query syntax in the input has no effect.
    match = " AND ".join(f'"{word}"*' for word in words)
    fts = (
        text(
            "SELECT request_search.request_id AS request_id FROM request_fts "
            "JOIN request_search ON request_search.rowid = request_fts.rowid "
            "WHERE request_fts MATCH :match"
        )
        .bindparams(match=match)
        .columns(request_id=String)
        .subquery("fts")
    )
    return select(fts.c.request_id)
