"""Which forms of cooperation run a practice life cycle, and what each one's clock says.

Every form module declares a ``PracticeForm`` (``forms.py``); this module lists them, finds a
form by the catalogue's type code or by the life cycle's code, and turns a clock's dates into
the request deadlines the dashboards and desks show. Services call through here, so that they
hold no knowledge of any one form.
"""

from __future__ import annotations

from collections.abc import Mapping

from comity.domain.deadlines import Deadline
from comity.domain.practice import (
    asset_disposal,
    civil_admin,
    confiscation,
    consular_action,
    extradition,
    freezing,
    joint_investigation,
    preservation,
    provisional_arrest,
    spontaneous,
    technical_advice,
    transfer_proceedings,
    transfer_sentenced,
    video_hearing,
)
from comity.domain.practice.forms import ClockFacts, ClockReading, PracticeForm
from comity.domain.practice.lifecycle import LifeCycle, PracticeRecord, Step, StepSide

#: Every practice life cycle, in the order the catalogue lists the forms.
FORMS: tuple[PracticeForm, ...] = (
    asset_disposal.FORM,
    civil_admin.FORM,
    confiscation.FORM,
    consular_action.FORM,
    extradition.FORM,
    freezing.FORM,
    joint_investigation.FORM,
    preservation.FORM,
    provisional_arrest.FORM,
    spontaneous.FORM,
    technical_advice.FORM,
    transfer_proceedings.FORM,
    transfer_sentenced.FORM,
    video_hearing.FORM,
)

#: Each form by its life cycle's code.
BY_LIFECYCLE: Mapping[str, PracticeForm] = {form.lifecycle.code: form for form in FORMS}

#: Each form by the catalogue type codes that run it.
BY_TYPE: Mapping[str, PracticeForm] = {code: form for form in FORMS for code in form.type_codes}

#: Each life cycle by its code.
LIFE_CYCLES: Mapping[str, LifeCycle] = {code: form.lifecycle for code, form in BY_LIFECYCLE.items()}

# The side whose node runs each life cycle's clock: the State that holds the data, the person
# or the assets, and so takes the clock-driven steps and sends them to the other State.
CLOCK_SIDE: Mapping[str, StepSide] = {
    code: form.clock_side for code, form in BY_LIFECYCLE.items() if form.clock_side is not None
}


def form_for(type_code: str) -> PracticeForm | None:
    """The practice form of a catalogue type, or None if it runs the shared workflow only."""
    return BY_TYPE.get(type_code)


def lifecycle_for(type_code: str) -> LifeCycle | None:
    """The life cycle of a form of cooperation, or None if it runs the shared workflow only."""
    form = form_for(type_code)
    return None if form is None else form.lifecycle


def due_steps(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    """The clock-driven steps the record must take at ``facts.now``, in order."""
    form = BY_LIFECYCLE.get(record.lifecycle)
    return [] if form is None else form.due_steps(record, facts)


def read_clock(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    """The record's clock at ``facts.now``."""
    form = BY_LIFECYCLE.get(record.lifecycle)
    return ClockReading() if form is None else form.read_clock(record, facts)


def practice_deadlines(
    request_id: str, record: PracticeRecord, facts: ClockFacts
) -> tuple[Deadline, ...]:
    """The deadlines a record's clock sets, for the dashboards and desks: a preservation's
    expiry and the reminders before it, a provisional arrest's review and release limit…"""
    reading = read_clock(record, facts)
    return tuple(
        Deadline(request_id, d.code, d.label, d.kind, d.at, d.basis) for d in reading.deadlines
    )
