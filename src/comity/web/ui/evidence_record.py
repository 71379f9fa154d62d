"""The acquisition record an officer sends with evidence: its fields' labels, the checks of
the typed values (as the API checks them, with a message per field), and the record sealed
with the package. The plain form and the page's script check their fields alike here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from comity.domain.errors import PackageUnsafeError
from comity.domain.evidence import AcquisitionRecord, check_path
from comity.services.evidence_uploads import ACQUISITION_FIELDS
from comity.web.ui.i18n import N_

# Clocks of a workstation and the node may differ a little: an acquisition "in the future"
# by less than this is taken as now.
CLOCK_TOLERANCE = timedelta(minutes=5)
_MAX_TEXT = 200

#: The labels of the acquisition record's fields (the form's and the package's).
FIELD_LABELS: Mapping[str, str] = {
    "file": N_("Evidence file"),
    "acquired_by": N_("Acquired by"),
    "acquired_at": N_("Acquired at (UTC)"),
    "method": N_("Acquisition method"),
    "tool": N_("Tool and version"),
    "source": N_("Source (device or account)"),
}
REQUIRED: Mapping[str, str] = {
    "file": N_("Choose the file to send."),
    "acquired_by": N_("Enter who acquired the evidence."),
    "method": N_("Enter how the evidence was acquired."),
    "tool": N_("Enter the tool used to acquire the evidence."),
    "source": N_("Enter the device or account the evidence comes from."),
}
_TOO_LONG = N_("Use at most 200 characters.")
_NO_NUL = N_("This text contains a character that cannot be stored.")
_BAD_TIME = N_("Enter a date and time, for example 2026-11-01 14:30.")
_FUTURE = N_("The acquisition time cannot be in the future.")
BAD_NAME = N_(
    "This file name cannot be used in a package: rename the file (no slashes, backslashes or "
    "control characters, at most 255 bytes) and choose it again."
)


@dataclass(frozen=True)
class Checked:
    """A submitted upload form: the values as typed, the fields for the service, the errors
    (field name → message to translate)."""

    values: dict[str, str]
    fields: dict[str, str]
    errors: dict[str, str]


def check_form(values: Mapping[str, str], name: str | None, now: datetime) -> Checked:
    """Check the form's fields as the API does (1 to 200 characters, a date and time not in
    the future), with a message per field."""
    typed = {key: values.get(key, "").strip() for key in ACQUISITION_FIELDS}
    errors: dict[str, str] = {}
    for key in ("acquired_by", "method", "tool", "source"):
        if not typed[key]:
            errors[key] = REQUIRED[key]
        elif len(typed[key]) > _MAX_TEXT:
            errors[key] = _TOO_LONG
        elif "\x00" in typed[key]:
            errors[key] = _NO_NUL
    fields = dict(typed)
    if typed["acquired_at"]:
        moment = _moment(typed["acquired_at"])
        if moment is None:
            errors["acquired_at"] = _BAD_TIME
        elif moment > now + CLOCK_TOLERANCE:
            errors["acquired_at"] = _FUTURE
        else:
            fields["acquired_at"] = moment.isoformat()
    if name is None:
        errors["file"] = REQUIRED["file"]
    elif not _usable_name(name):
        errors["file"] = BAD_NAME
    return Checked({**typed, "file": name or ""}, fields, errors)


def _moment(text: str) -> datetime | None:
    """A date and time as a ``datetime-local`` field sends it (taken as UTC, as its label
    says), or ISO 8601 with an offset."""
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _usable_name(name: str) -> bool:
    """True if the name can be a package's file name (as sealing checks it) and a file's."""
    try:
        check_path(name)
    except PackageUnsafeError:
        return False
    return (
        "/" not in name
        and len(name.encode("utf-8", "surrogatepass")) <= 255
        and all(ch.isprintable() for ch in name)
    )


def base_name(name: str) -> str:
    """The file's name without a folder: some browsers send the whole path of the chosen
    file, with either separator."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def acquisition_record(
    fields: Mapping[str, str], request_id: str, now: datetime
) -> AcquisitionRecord:
    given = fields.get("acquired_at", "")
    return AcquisitionRecord(
        fields["acquired_by"],
        datetime.fromisoformat(given) if given else now,
        fields["method"],
        fields["tool"],
        fields["source"],
        request_id,
    )
