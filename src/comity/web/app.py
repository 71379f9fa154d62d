"""The application factory: ``create_app(container)`` builds the ASGI app; nothing at import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from comity import __version__
from comity.bootstrap import Container, published_catalogue_schema
from comity.services import ledger_audit
from comity.web import errors
from comity.web.api import (
    assessments,
    asset_statements,
    audit,
    auth,
    catalogue,
    data_protection,
    deadlines,
    directory,
    evidence,
    inbox,
    originals,
    practice,
    requests,
    roster,
    statistics,
)
from comity.web.api.schemas import ProblemOut
from comity.web.limits import BodyLimitMiddleware, SecurityHeadersMiddleware
from comity.web.ui import (
    approval,
    desk,
    dpo,
    drafting,
    evidence_upload,
    i18n,
    incoming,
    page,
    pages,
    search,
)
from comity.web.ui import audit as audit_pages
from comity.web.ui import directory as directory_pages
from comity.web.ui import practice as practice_pages
from comity.web.ui import roster as roster_pages

API = "/api/v1"
STATIC = Path(__file__).parent / "static"

# Answers any route can give, whatever it does, documented once for all of them.
COMMON_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": ProblemOut, "description": "The body is not JSON any store can hold"},
    413: {"model": ProblemOut, "description": "The body is over the size limit"},
    422: {"model": ProblemOut, "description": "The input does not follow the schema"},
    500: {"model": ProblemOut, "description": "Unexpected failure; quote the correlation id"},
}


def create_app(container: Container) -> FastAPI:
    """The node's web application, wired to ``container``."""
    app = FastAPI(
        title=f"Comity node {container.settings.state}",
        version=__version__,
        description=(
            "The JSON API of a Comity node: the catalogue of forms of cooperation, requests "
            "to and from other States with their workflow and deadlines. Errors are RFC 9457 "
            "problem+json documents with a stable `code`."
        ),
        openapi_url=f"{API}/openapi.json",
        # The nodes run in closed networks: the interactive docs would load scripts from a
        # CDN, so only the OpenAPI document is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    errors.install(app)
    api = APIRouter(prefix=API, responses=COMMON_PROBLEMS)
    api.include_router(auth.router)
    api.include_router(catalogue.router)
    api.include_router(requests.router)
    api.include_router(deadlines.router)
    api.include_router(inbox.router)
    api.include_router(directory.router)
    api.include_router(assessments.router)
    api.include_router(data_protection.router)
    api.include_router(statistics.router)
    api.include_router(evidence.router)
    api.include_router(originals.router)
    api.include_router(audit.router)
    api.include_router(roster.router)
    api.include_router(practice.router)
    api.include_router(asset_statements.router)

    @api.get("/catalogue-schema", tags=["catalogue"])
    def catalogue_file_schema() -> dict[str, Any]:
        """The JSON Schema the catalogue's data files follow."""
        return published_catalogue_schema()

    app.include_router(api)

    @app.get("/healthz", tags=["node"])
    def health() -> dict[str, str]:
        """Liveness: the process answers; ``audit`` is ``failed`` while the node's own audit
        log has an integrity or rollback alert (it signs no checkpoint then)."""
        return {
            "status": "ok",
            "state": container.settings.state,
            "version": __version__,
            "audit": ledger_audit.own_log_health(container.services),
        }

    # The officers' pages (sign-in, dashboard) and their own scripts and styles: vendored,
    # never from a CDN, because nodes run in closed networks.
    for area in (
        pages,
        drafting,
        approval,
        incoming,
        desk,
        evidence_upload,
        search,
        directory_pages,
        dpo,
        audit_pages,
        roster_pages,
        practice_pages,
    ):
        app.include_router(area.router)
    page.install(app)
    app.state.catalogues = i18n.load_catalogues()
    app.state.templates = page.page_templates()
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=container.settings.max_body_bytes,
        # The API's upload, the page's multipart upload and the page's resumable chunks go
        # to disk as they arrive, each with its own bound.
        streamed=re.compile(rf"(?:{API})?/requests/[^/]+/evidence(?:/uploads/[^/]+)?"),
    )
    return app
