"""The served OpenAPI document is valid OpenAPI 3.1 and states the rules the server enforces."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from mentorat.domain.chat import ID_MAX


@pytest.fixture
async def document(client: AsyncTestClient[Any]) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_document_validates_against_the_openapi_specification(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on the first error


def test_every_documented_header_has_a_schema(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                for name, header in response.get("headers", {}).items():
                    assert header.get("schema") or header.get("content"), (
                        path,
                        method,
                        status,
                        name,
                    )
    chat = document["paths"]["/api/mentoring/chat/{mentoring_id}/messages"]["get"]
    assert chat["responses"]["200"]["headers"]["Link"]["schema"] == {"type": "string"}


def test_ids_have_the_exact_64_bit_maximum(document: dict[str, Any]) -> None:
    mentor_id = document["components"]["schemas"]["MentoringRequestIn"]["properties"]["mentor_id"]
    assert mentor_id["maximum"] == ID_MAX == 2**63 - 1
    assert isinstance(mentor_id["maximum"], int)
    assert (mentor_id["minimum"], mentor_id["type"]) == (1, "integer")


def test_the_enforced_rules_are_stated(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    register = schemas["RegisterIn"]["properties"]
    assert register["username"] | {"description": ""} == {
        "type": "string",
        "pattern": r"^[\w.@+-]+$",
        "minLength": 1,
        "maxLength": 150,
        "description": "",
    }
    assert (register["password"]["minLength"], register["password"]["maxLength"]) == (8, 4096)
    assert register["email"]["maxLength"] == 254
    message = schemas["MessageIn"]["properties"]["message"]
    assert (message["minLength"], message["maxLength"]) == (1, 4000)
    assert message["pattern"] == r"\S"
    assert schemas["GoalIn"]["properties"]["title"]["pattern"] == r"\S"


def test_the_idempotency_key_header_states_its_characters(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/mentoring/chat/{mentoring_id}/messages"]["post"]
    (header,) = (p for p in post["parameters"] if p["name"] == "Idempotency-Key")
    assert header["schema"]["pattern"] == r"^[\x20-\x7E]{1,255}$"
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)


def test_fields_patch_me_refuses_are_read_only(document: dict[str, Any]) -> None:
    fields = document["components"]["schemas"]["ProfileIn"]["properties"]
    read_only = {name for name, schema in fields.items() if schema.get("readOnly")}
    assert read_only == {"id", "username", "password", "is_mentor", "is_verified"}
    assert fields["bio"]["maxLength"] == 2000
    assert (fields["skills"]["maxItems"], fields["skills"]["items"]["maxLength"]) == (30, 50)
    assert (fields["capacity"]["minimum"], fields["capacity"]["maximum"]) == (0, 50)


def test_goal_order_ids_keep_the_id_range(document: dict[str, Any]) -> None:
    ids = document["components"]["schemas"]["GoalOrderIn"]["properties"]["ids"]
    assert ids["items"] == {"type": "integer", "minimum": 1, "maximum": ID_MAX}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/mentors", "available"),
        ("/api/mentorship/demande", "status"),
        ("/api/mentorship/demande", "role"),
    ],
)
def test_choice_filters_list_the_empty_value(
    document: dict[str, Any], path: str, name: str
) -> None:
    """An empty value means "not given" (docs/api.md, decision 8), so it is one of the choices."""
    (parameter,) = (p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)
    assert parameter["schema"]["enum"][0] == ""
