"""Officers' pages: the federation directory.

GET /directory lists the States Party of the directory this node installed and verified
(each with its languages, channels, declarations, authorities and its 24/7 point of contact
with the local time there now), with the directory's sequence, issue date and next update,
and a warning once it is stale: past its next update plus the grace period, the node sends
and accepts nothing (the same rule as the API). GET /directory/{state} shows one State in
full. Without an installed directory, or one that does not verify, the page says so.

Everything shown comes from other States' signed entries, so it is escaped like any text
from another node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from comity.bootstrap import Container
from comity.domain.directory import (
    DECLARATION_FLAGS,
    Directory,
    DirectoryAuthority,
    StateEntry,
    TransferRestriction,
)
from comity.domain.errors import DomainError, NotFoundError
from comity.domain.values import AuthorityKind, Channel
from comity.federation_setup import verified_directory
from comity.web.errors import status_for
from comity.web.ui.i18n import N_
from comity.web.ui.page import SignedIn, render, services

router = APIRouter(include_in_schema=False)

#: How each declaration reads, as the first half of a sentence ending in "yes" or "no".
DECLARATION_LABELS: Mapping[str, str] = {
    "extradites_nationals": N_("Extradites its nationals"),
    "traffic_data_requires_judicial_authorisation": N_(
        "Requires a judicial authorisation for traffic data"
    ),
    "accepts_electronic_originals": N_("Accepts electronic originals"),
    "political_offence_exception": N_("Applies the political offence exception"),
}

#: How each kind of authority reads.
AUTHORITY_KINDS: Mapping[str, str] = {
    "central_authority": N_("Central authority"),
    "competent_authority": N_("Competent authority"),
    "poc_24_7": N_("24/7 point of contact"),
    "foreign_ministry": N_("Ministry of foreign affairs"),
    "police": N_("Police"),
    "interpol_ncb": N_("INTERPOL National Central Bureau"),
}

#: The channel a State can be reached through because it publishes an authority of that kind.
CHANNEL_OF_KIND: Mapping[AuthorityKind, Channel] = {
    AuthorityKind.CENTRAL_AUTHORITY: Channel.CENTRAL_AUTHORITY,
    AuthorityKind.POC_24_7: Channel.NETWORK_24_7,
    AuthorityKind.FOREIGN_MINISTRY: Channel.DIPLOMATIC,
    AuthorityKind.POLICE: Channel.POLICE,
    AuthorityKind.INTERPOL_NCB: Channel.INTERPOL,
}

#: How each channel reads.
CHANNEL_LABELS: Mapping[str, str] = {
    "central_authority": N_("Between central authorities"),
    "network_24_7": N_("24/7 network"),
    "diplomatic": N_("Diplomatic channel"),
    "police": N_("Police cooperation"),
    "interpol": N_("INTERPOL"),
}

PURPOSE_LABELS: Mapping[str, str] = {"sig": N_("Signature"), "enc": N_("Encryption")}


@dataclass(frozen=True)
class Declaration:
    """One declaration as a sentence: its label and whether the State declared it."""

    label: str
    value: bool


@dataclass(frozen=True)
class AuthorityView:
    """A published authority with the time it is now where it is."""

    authority: DirectoryAuthority
    kind_label: str
    # The local time now, or None where the time zone is not one this node knows.
    local_now: datetime | None
    utc_offset: str


@dataclass(frozen=True)
class StateView:
    """One State's entry as the pages show it."""

    entry: StateEntry
    profiles: tuple[str, ...]
    channels: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    restrictions: tuple[TransferRestriction, ...]
    authorities: tuple[AuthorityView, ...]
    point_of_contact: AuthorityView | None


@dataclass(frozen=True)
class DirectoryView:
    """The installed directory and whether it is still trusted."""

    directory: Directory
    operator: str
    left_out: tuple[str, ...]
    # Past its next update plus the grace period: nothing is sent or accepted.
    stale: bool
    # Past its next update but still within the grace period.
    overdue: bool
    trusted_until: datetime


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _authority(authority: DirectoryAuthority, now: datetime) -> AuthorityView:
    try:
        local: datetime | None = now.astimezone(ZoneInfo(authority.time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        # A zone this node's time-zone database lacks (or a malformed name) leaves the time
        # unknown rather than failing the page.
        local = None
    return AuthorityView(
        authority=authority,
        kind_label=AUTHORITY_KINDS.get(str(authority.kind), str(authority.kind)),
        local_now=local,
        utc_offset=_utc_offset(local) if local is not None else "",
    )


def state_view(request: Request, entry: StateEntry, now: datetime) -> StateView:
    """What the pages show of one State's entry at ``now``."""
    profiles = services(request).catalogue.profiles
    authorities = tuple(_authority(authority, now) for authority in entry.authorities)
    channels: list[str] = []
    for authority in entry.authorities:
        channel = CHANNEL_OF_KIND.get(authority.kind)
        if channel is not None and str(channel) not in channels:
            channels.append(str(channel))
    return StateView(
        entry=entry,
        profiles=tuple(
            profiles[code].title if code in profiles else code for code in entry.profiles
        ),
        channels=tuple(channels),
        declarations=tuple(
            Declaration(DECLARATION_LABELS[flag], bool(getattr(entry.declarations, flag)))
            for flag in DECLARATION_FLAGS
        ),
        restrictions=entry.declarations.cross_border_transfer_restrictions,
        authorities=authorities,
        point_of_contact=next(
            (view for view in authorities if view.authority.kind is AuthorityKind.POC_24_7), None
        ),
    )


def installed(request: Request) -> DirectoryView:
    """The node's installed directory, verified; raises ``DirectoryError`` (a DomainError)
    where none is installed or it does not verify."""
    container: Container = request.app.state.container
    settings = container.settings
    verified = verified_directory(settings)
    current = verified.directory
    now = services(request).clock.now()
    # The same grace the node applies before it refuses to send or accept anything.
    limit = current.next_update + timedelta(seconds=settings.directory_grace)
    return DirectoryView(
        directory=current,
        operator=verified.operator,
        left_out=verified.left_out,
        stale=now > limit,
        overdue=current.next_update < now <= limit,
        trusted_until=limit,
    )


def _unavailable(request: Request, officer: SignedIn, error: DomainError) -> Response:
    return render(
        request,
        "ui/directory.html",
        officer,
        status=status_for(error),
        problem=error.detail,
        view=None,
        states=[],
    )


@router.get("/directory", response_class=HTMLResponse)
def directory_page(request: Request, officer: SignedIn) -> Response:
    """Every State Party of the installed directory, with the directory's validity."""
    try:
        view = installed(request)
    except DomainError as error:
        return _unavailable(request, officer, error)
    now = services(request).clock.now()
    states = [state_view(request, entry, now) for _, entry in sorted(view.directory.states.items())]
    return render(
        request,
        "ui/directory.html",
        officer,
        view=view,
        states=states,
        problem="",
        channel_labels=CHANNEL_LABELS,
        here=services(request).state,
    )


@router.get("/directory/{state}", response_class=HTMLResponse)
def state_page(request: Request, state: str, officer: SignedIn) -> Response:
    """One State Party in full: authorities, contacts, keys and declarations."""
    try:
        view = installed(request)
    except DomainError as error:
        return _unavailable(request, officer, error)
    entry = view.directory.states.get(state.upper()) if len(state) <= 8 else None
    if entry is None:
        return render(
            request,
            "ui/directory_state.html",
            officer,
            status=status_for(NotFoundError(f"no State {state!r} in the directory")),
            view=view,
            state=None,
        )
    return render(
        request,
        "ui/directory_state.html",
        officer,
        view=view,
        state=state_view(request, entry, services(request).clock.now()),
        channel_labels=CHANNEL_LABELS,
        purpose_labels=PURPOSE_LABELS,
        here=services(request).state,
    )
