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
