"""Formal originals as PDF/A-3b: a Jinja2 template drawn by WeasyPrint.

The template lives in the web package's template tree (``templates/pdf/original.html``, with
its shared partials), read from disk so that this adapter never imports the web driver.
Autoescaping is on for every template: a request's text may come from another State's node.
Nothing is fetched while drawing: the URL fetcher refuses every URL, so no text in a request
can make the node reach the network or read a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from comity.domain.originals import OriginalDocument
from comity.render.labels import translator

#: The template tree the web pages and the PDFs share.
TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
TEMPLATE = "pdf/original.html"
#: PDF/A-3: archival, and (unlike PDF/A-1/2) it may later carry the request's JSON attached.
PDF_VARIANT = "pdf/a-3b"


def _no_fetch(url: str, *_args: Any, **_kwargs: Any) -> NoReturn:
    raise ValueError(f"an original fetches nothing ({url[:40]!r} refused)")


class WeasyPrintRenderer:
    """Implements ``services.originals_ports.OriginalRenderer``."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
        )

    def html(self, document: OriginalDocument) -> str:
        """The HTML the PDF is drawn from."""
        return self._env.get_template(TEMPLATE).render(
            doc=document,
            lang=document.lang,
            direction=document.dir,
            _=translator(document.lang),
        )

    def render(self, document: OriginalDocument) -> bytes:
        """The PDF/A-3b bytes of ``document``."""
        # Imported on first use: WeasyPrint needs Pango, and a node without it still serves
        # everything but originals.
        from weasyprint import HTML

        html = HTML(string=self.html(document), base_url=None, url_fetcher=_no_fetch)
        pdf = html.write_pdf(pdf_variant=PDF_VARIANT)
        assert isinstance(pdf, bytes)
        return pdf
