"""The catalogue: every form of cooperation loads, carries what legal.md requires, and bad
files are refused with a clear reason."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from comity.catalogue.loader import load_catalogue, schema
from comity.domain.catalogue import FieldType
from comity.domain.errors import CatalogueError, UnknownProfileError, UnknownRequestTypeError
from comity.domain.values import Availability, Channel, ConductCategory, Urgency
from tests.builders import catalogue

CODES = {
    "extradition", "provisional_arrest", "mla", "emergency_mla", "preservation",
    "traffic_disclosure", "stored_data", "realtime_traffic", "interception", "subscriber_info",
    "emergency_disclosure", "transfer_proceedings", "transfer_sentenced", "temporary_transfer",
    "joint_investigation", "video_hearing", "consular_action", "service_documents",
    "covert_investigation", "le_cooperation", "spontaneous_information", "freezing",
    "confiscation", "asset_return", "civil_admin_assistance", "additional_use",
    "supplementary_information", "technical_advice",
}  # fmt: skip

# The mandatory content of each type card in legal.md §1.2 / Appendix A (and the statement),
# as the field names the catalogue uses. "?" marks a conditional requirement.
REQUIRED = {
    "extradition": ["extradition_purpose", "warrant", "offences", "relevant_enactments", "person",
                    "limitation_status", "?death_penalty_assurance", "?sentence_imposed_months"],
    "provisional_arrest": ["warrant", "extradition_request_intended", "offences", "person"],
    "mla": ["requesting_authority", "conducting_authority", "facts_summary", "assistance_sought",
            "purpose", "measures", "?data_targets", "?necessity_rationale"],
    "emergency_mla": ["emergency_facts", "emergency_nexus", "risk", "imminence",
                      "conducting_authority", "facts_summary", "assistance_sought", "purpose"],
    "preservation": ["requesting_authority", "offences", "facts_summary", "data_to_preserve",
                     "nexus_to_offence", "necessity", "mla_intended"],
    "traffic_disclosure": ["parent_preservation_ref", "data_targets"],
    "stored_data": ["conducting_authority", "facts_summary", "data_targets", "measures"],
    "realtime_traffic": ["requesting_authority", "facts_summary", "data_targets",
                         "collection_start", "collection_end", "duration_justification",
                         "collection_justification"],
    "interception": ["requesting_authority", "facts_summary", "data_targets", "collection_start",
                     "collection_end", "duration_justification", "collection_justification"],
    "subscriber_info": ["data_targets", "purpose", "necessity_rationale"],
    "emergency_disclosure": ["emergency_facts", "emergency_nexus", "provider", "offences",
                             "data_targets"],
    "spontaneous_information": ["information"],
    "le_cooperation": ["exchange_type", "information"],
    "joint_investigation": ["team_purpose", "composition", "state_of_operation", "period_start",
                            "period_end", "evidence_use_terms"],
    "video_hearing": ["hearing_person", "hearing_role", "reason_no_personal_appearance",
                      "presiding_authority", "participants", "equipment_provided_by", "?consent"],
    "service_documents": ["documents", "addressee", "service_route"],
    "consular_action": ["actions", "consular_post", "national", "voluntary_participation"],
    "transfer_proceedings": ["suspect", "transfer_grounds", "criminal_file",
                             "dual_criminality_statement", "limitation_expiry_requesting"],
    "transfer_sentenced": ["prisoner", "nationality_proof", "judgment", "sentence",
                           "prisoner_consent", "remaining_sentence_months", "dual_criminality_law",
                           "enforcement_mode"],
    "temporary_transfer": ["detainee", "detainee_consent", "return_date", "custody_conditions"],
    "freezing": ["facts_summary", "assets", "measures"],
    "confiscation": ["route", "property", "facts_summary", "?foreign_order",
                     "?extent_of_execution"],
    "asset_return": ["confiscation_ref", "assets", "disposition_sought"],
    "covert_investigation": ["technique", "operation_plan", "necessity", "period_start",
                             "period_end"],
    "civil_admin_assistance": ["facts_summary", "legal_person_liability", "measures"],
    "supplementary_information": ["parent_reference", "answers"],
    "additional_use": ["parent_reference", "new_purpose", "justification"],
    "technical_advice": ["question", "topic"],
}  # fmt: skip


def test_every_form_of_cooperation_the_statement_names_is_there_and_nothing_else() -> None:
    assert set(catalogue().types) == CODES
    assert set(REQUIRED) == CODES


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_type_requires_what_its_legal_source_makes_mandatory(code: str) -> None:
    rtype = catalogue().type(code)
    for name in REQUIRED[code]:
        conditional = name.startswith("?")
        spec = rtype.field(name.lstrip("?"))
        assert spec is not None, f"{code} lacks {name}"
        if conditional:
            assert spec.required_when is not None, f"{code}.{spec.name} should be conditional"
        else:
            assert spec.required, f"{code}.{spec.name} should be required"


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_type_is_well_formed(code: str) -> None:
    rtype = catalogue().type(code)
    assert rtype.title and len(rtype.summary) <= 200 and rtype.description
    assert rtype.default_channel in rtype.channels and rtype.default_urgency in rtype.urgencies
    assert set(rtype.legal_basis) == {"ahc-2022-proposal", "uncc-2024", "budapest"}
    for basis in rtype.legal_basis.values():
        assert basis.citations, code
    for name in ("requesting_authority", "case_refs", "language", "purpose"):
        assert rtype.field(name) is not None, f"{code} lacks the envelope field {name}"
    names = [spec.name for spec in rtype.fields]
    assert len(names) == len(set(names))


def test_the_offence_vocabulary_is_exactly_the_agreed_conduct_categories() -> None:
    assert [str(item) for item in ConductCategory] == [
        "illegal_access", "illegal_interception", "data_interference", "system_interference",
        "misuse_of_devices", "computer_forgery", "computer_fraud", "csam", "grooming",
        "non_consensual_images", "laundering", "other",
    ]  # fmt: skip
    offences = catalogue().type("mla").field("offences")
    assert offences is not None and offences.items is not None
    conduct = next(spec for spec in offences.items.fields if spec.name == "conduct")
    assert conduct.values == tuple(ConductCategory)


def test_channels_and_urgencies_use_the_agreed_codes() -> None:
    assert {str(item) for item in Channel} == {
        "central_authority", "diplomatic", "network_24_7", "interpol", "police", "copy_ahead"
    }  # fmt: skip
    assert {str(item) for item in Urgency} == {"routine", "urgent", "emergency"}


def test_safeguards_follow_the_statement_on_traffic_data_and_subscriber_information() -> None:
    cat = catalogue()
    for code in ("realtime_traffic", "interception", "stored_data"):
        assert Channel.POLICE not in cat.type(code).channels, code
        assert any(s.code == "judicial_authorisation" for s in cat.type(code).safeguards), code
    assert Channel.POLICE in cat.type("subscriber_info").channels
    assert Channel.NETWORK_24_7 not in cat.type("extradition").channels


def test_emergency_types_are_emergencies_and_need_the_facts_of_the_emergency() -> None:
    cat = catalogue()
    for code in ("emergency_mla", "emergency_disclosure"):
        rtype = cat.type(code)
        assert rtype.urgencies == (Urgency.EMERGENCY,)
        for name in ("emergency_facts", "emergency_nexus"):
            spec = rtype.field(name)
            assert spec is not None and spec.required


def test_profiles_are_data_and_say_what_they_exclude() -> None:
    cat = catalogue()
    assert set(cat.profiles) == {"ahc-2022-proposal", "uncc-2024", "budapest"}
    assert cat.default_profile.code == "ahc-2022-proposal"
    seed = cat.profile("ahc-2022-proposal")
    assert [form.code for form in seed.excluded_forms] == ["transborder_access"]
    assert "Statement Q19" in seed.excluded_forms[0].basis
    assert seed.flags["onward_transfer_mode"] == "prohibited"
    assert cat.profile("uncc-2024").flags["onward_transfer_mode"] == "prior_authorisation"
    assert seed.thresholds["extradition_min_months"] == 12
    covert = cat.type("covert_investigation")
    assert covert.basis_under("uncc-2024").availability is Availability.UNAVAILABLE
    assert covert.basis_under("ahc-2022-proposal").availability is Availability.AVAILABLE
    assert covert.basis_under("no-such-profile").availability is Availability.UNAVAILABLE
    with pytest.raises(UnknownProfileError):
        cat.profile("nope")
    with pytest.raises(UnknownRequestTypeError):
        cat.type("transborder_access")


def test_profile_channels_can_narrow_a_types_channels() -> None:
    extradition = catalogue().type("extradition")
    assert Channel.COPY_AHEAD in extradition.channels_under("ahc-2022-proposal")
    assert Channel.COPY_AHEAD not in extradition.channels_under("uncc-2024")


def test_timers_reference_date_fields_and_profile_durations() -> None:
    cat = catalogue()
    arrest = cat.type("provisional_arrest")
    assert {t.code for t in arrest.timers} >= {"release_review", "release_limit"}
    spec = arrest.field("arrested_at")
    assert spec is not None and spec.type in (FieldType.DATE, FieldType.DATETIME)
    assert "preservation_expiry" in {t.code for t in cat.type("preservation").timers}


def test_the_schema_is_published_as_json_schema() -> None:
    published = schema()
    assert published["$schema"].endswith("2020-12/schema")
    assert {"request_type", "profile", "envelope", "field"} <= set(published["$defs"])


# -- refused files ---------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    source = resources.files("comity.catalogue")
    for name in ("envelope.yaml", "schema.json"):
        (tmp_path / name).write_text(source.joinpath(name).read_text("utf-8"), "utf-8")
    for folder in ("types", "profiles"):
        (tmp_path / folder).mkdir()
        for item in source.joinpath(folder).iterdir():
            if item.name.endswith(".yaml") and (folder == "profiles" or item.name == "mla.yaml"):
                (tmp_path / folder / item.name).write_text(item.read_text("utf-8"), "utf-8")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_a_copy_of_the_packaged_files_loads(tree: Path) -> None:
    assert set(load_catalogue(tree).types) == {"mla"}


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("types/mla.yaml", "code: mla", "code: mla: [", "not valid YAML"),
        ("types/mla.yaml", "coercive: true", "coercive: maybe", "coercive"),
        ("types/mla.yaml", "code: mla", "code: mla2", "must be named mla2.yaml"),
        (
            "types/mla.yaml",
            "  require: [conducting_authority",
            "  require: [nonexistent",
            "envelope/require",
        ),
        ("types/mla.yaml", "  - name: measures\n", "  - name: purpose\n", "defined twice"),
        (
            "types/mla.yaml",
            "default_channel: central_authority",
            "default_channel: police",
            "defaults",
        ),
        (
            "types/mla.yaml",
            "channels: [central_authority, diplomatic, interpol]",
            "channels: [central_authority, diplomatic, interpol, police]",
            "not channels of the type",
        ),
        (
            "types/mla.yaml",
            "timers: []",
            "timers: [{code: x, label: X, kind: due, start: {status: sent}, "
            "after: {profile: nope}}]",
            "needs duration 'nope'",
        ),
        (
            "types/mla.yaml",
            "timers: []",
            "timers: [{code: x, label: X, kind: due, start: {status: sent}, "
            "after: {days: 1}, reminders: {profile: nope}}]",
            "needs reminders 'nope'",
        ),
        (
            "types/mla.yaml",
            "timers: []",
            "timers: [{code: x, label: X, kind: due, start: {field: purpose}, after: {days: 1}}]",
            "not a date field",
        ),
        (
            "types/mla.yaml",
            "timers: []",
            "timers: []\nordered: [[purpose, language]]",
            "not a date field",
        ),
        (
            "profiles/uncc-2024.yaml",
            "instruments:",
            "default: true\ninstruments:",
            "exactly one profile",
        ),
    ],
)
def test_broken_files_are_refused_naming_the_file(
    tree: Path, file: str, old: str, new: str, message: str
) -> None:
    _edit(tree / file, old, new)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tree)
    assert message in caught.value.detail
    assert Path(file).name in caught.value.detail or "profile" in caught.value.detail


def test_shared_timers_from_fields_a_type_omits_do_not_apply(tree: Path) -> None:
    _edit(
        tree / "types/mla.yaml",
        "envelope:\n",
        "envelope:\n  omit: [requested_deadline, deadline_reasons]\n",
    )
    rtype = load_catalogue(tree).type("mla")
    assert "requested_deadline" not in {timer.code for timer in rtype.timers}
    shutil.rmtree(tree / "types")
