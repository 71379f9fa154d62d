"""POST /api/v1/assessments with realistic cases built from the statement's questions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Node

BSI = {
    "purpose": "Identify the holder of the account used in a phishing fraud",
    "purpose_code": "criminal_proc",
    "language": "en",
    "facts_summary": "Phishing pages defrauded 200 customers of a bank.",
    "data_categories": ["subscriber"],
    "data_targets": [
        {
            "description": "Subscriber of the hosting account",
            "identifiers": ["account 88412"],
            "date_from": "2026-01-01",
            "date_to": "2026-02-01",
            "data_categories": ["subscriber"],
        }
    ],
}
# Both States are described in full, so the node needs no directory for these cases.
STATES = {
    "XA": {"penalties": {"computer_fraud": 96, "illegal_access": 24}, "languages": ["en"]},
    "XB": {
        "penalties": {"computer_fraud": 48, "illegal_access": 6},
        "languages": ["en", "fr"],
        "declarations": {"extradites_nationals": False},
    },
}


def assess(node: Node, **body: Any) -> dict[str, Any]:
    payload = {"requesting_state": "XA", "requested_state": "XB", "states": STATES, **body}
    response = node.client.post(
        "/api/v1/assessments", json=payload, headers=node.headers("drafter")
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def codes(result: dict[str, Any]) -> dict[str, str]:
    return {finding["code"]: finding["severity"] for finding in result["findings"]}


def test_the_extradition_of_a_national_is_flagged_with_extradite_or_prosecute(seeded: Node) -> None:
    result = assess(
        seeded,
        type="extradition",
        fields={"purpose": "Prosecution", "purpose_code": "criminal_proc", "language": "en"},
        offences=[{"conduct": "computer_fraud", "max_penalty_months": 96}],
        persons=[{"role": "accused", "nationalities": ["XB"]}],
    )
    found = codes(result)
    assert "NATIONAL_NOT_EXTRADITED" in found
    assert "SPECIALITY_RULE" in found
    national = next(f for f in result["findings"] if f["code"] == "NATIONAL_NOT_EXTRADITED")
    assert national["legal_basis"] and national["message"]


def test_a_six_month_offence_is_below_the_extradition_threshold(seeded: Node) -> None:
    result = assess(
        seeded,
        type="extradition",
        offences=[{"conduct": "illegal_access", "max_penalty_months": 24}],
        persons=[{"role": "accused", "nationalities": ["XA"]}],
    )
    # Six months in XB: below the one-year minimum in either State (Q2, Q5).
    assert codes(result)["EXTRADITION_PENALTY_BELOW_THRESHOLD"] == "blocking"
    assert result["clear"] is False and result["blocking"] >= 1


def test_traffic_data_without_a_court_order_needs_judicial_authorisation(seeded: Node) -> None:
    fields = {**BSI, "data_categories": ["traffic"]}
    fields["data_targets"] = [{**BSI["data_targets"][0], "data_categories": ["traffic"]}]
    result = assess(
        seeded,
        type="mla",
        fields=fields,
        offences=[{"conduct": "computer_fraud", "max_penalty_months": 96}],
    )
    assert codes(result)["JUDICIAL_AUTHORISATION_REQUIRED"] == "blocking"


def test_an_emergency_without_facts_is_not_substantiated(seeded: Node) -> None:
    result = assess(
        seeded,
        type="emergency_mla",
        urgency="emergency",
        fields=BSI,
        offences=[{"conduct": "computer_fraud", "max_penalty_months": 96}],
    )
    assert codes(result)["EMERGENCY_NOT_SUBSTANTIATED"] == "blocking"


def test_subscriber_information_may_go_police_to_police(seeded: Node) -> None:
    result = assess(
        seeded,
        type="subscriber_info",
        channel="police",
        fields=BSI,
        offences=[{"conduct": "computer_fraud", "max_penalty_months": 96}],
    )
    found = codes(result)
    assert found.get("POLICE_CHANNEL_PERMITTED") == "info"
    assert "CHANNEL_NOT_ALLOWED" not in found


def test_preservation_needs_no_dual_criminality(seeded: Node) -> None:
    result = assess(
        seeded,
        type="preservation",
        channel="network_24_7",
        fields=BSI,
        offences=[{"conduct": "grooming", "max_penalty_months": 96}],  # not an offence in XB
    )
    found = codes(result)
    assert found.get("DUAL_CRIMINALITY_NOT_REQUIRED") == "info"
    assert "DUAL_CRIMINALITY_NOT_MET" not in found


def test_the_same_case_in_any_field_order_gives_the_same_findings(seeded: Node) -> None:
    body = {
        "type": "mla",
        "fields": BSI,
        "offences": [{"conduct": "computer_fraud", "max_penalty_months": 96}],
    }
    first = assess(seeded, **body)
    reordered = dict(reversed(list(BSI.items())))
    second = assess(seeded, **{**body, "fields": reordered})
    assert first == second


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"profile": "no-such-profile"}, "UNKNOWN_PROFILE"),
        ({"type": "no_such_type"}, "UNKNOWN_REQUEST_TYPE"),
        ({"offences": [{"conduct": "jaywalking"}]}, "VALIDATION_FAILED"),
        ({"requested_state": "XQ"}, "DIRECTORY_INVALID"),
        (
            {"offences": [{"conduct": "computer_fraud", "max_penalty_months": True}]},
            "VALIDATION_FAILED",
        ),
        ({"unknown_member": 1}, "VALIDATION_FAILED"),
    ],
)
def test_bad_input_gets_a_problem_with_its_code(seeded: Node, change, code) -> None:
    payload = {
        "type": "mla",
        "requesting_state": "XA",
        "requested_state": "XB",
        "states": STATES,
        **change,
    }
    response = seeded.client.post(
        "/api/v1/assessments", json=payload, headers=seeded.headers("drafter")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_contradictory_facts_are_a_finding_not_a_crash(seeded: Node) -> None:
    result = assess(seeded, type="extradition", fields={"death_penalty_assurance": "Given"})
    assert codes(result).get("CONTRADICTORY_FACTS") == "blocking"


def test_the_input_schema_is_published(seeded: Node) -> None:
    response = seeded.client.get("/api/v1/assessments/schema", headers=seeded.headers("drafter"))
    assert response.status_code == 200
    schema = response.json()
    assert {"type", "requesting_state", "requested_state"} <= set(schema["required"])
    assert "offences" in schema["properties"] and "states" in schema["properties"]


def test_assessing_needs_a_signed_in_user(seeded: Node) -> None:
    response = seeded.client.post("/api/v1/assessments", json={})
    assert response.status_code == 401
