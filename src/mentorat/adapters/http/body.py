"""Request bodies decoded strictly: JSON only, straight from bytes into a msgspec `...In` struct.

Litestar's default path for `data: SomeIn` converts in lax mode ("5" becomes 5, "true" becomes
True). The contract wants a wrong type to be a 400, so the app plugs this DTO in instead: it
keeps Litestar's handler signature (`data: SomeIn`) and its OpenAPI request body, and decodes
with one prebuilt `msgspec.json.Decoder` per struct, which never coerces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol, TypeVar

import msgspec
from litestar import Request
from litestar.dto import AbstractDTO
from litestar.typing import FieldDefinition

from mentorat.adapters.http.errors import BadRequest, UnsupportedMediaType
from mentorat.domain.errors import UnstorableText

if TYPE_CHECKING:
    from litestar.dto.data_structures import DTOFieldDefinition
    from litestar.openapi.spec import Reference, Schema


class SchemaFactory(Protocol):
    """What Litestar hands a DTO to document a body: "a factory for creating schemas", with a
    `for_field_definition()` method (`AbstractDTO.create_openapi_schema`)."""

    def for_field_definition(self, field_definition: FieldDefinition) -> Reference | Schema: ...


MAX_BODY_BYTES: Final = 64 * 1024
T = TypeVar("T")

_AT_PATH = re.compile(r"^(?P<message>.*) - at `\$\.?(?P<path>[^`]*)`$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")
# A JSON escape of a UTF-16 surrogate: msgspec refuses an unpaired one as malformed JSON.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JsonBody(AbstractDTO[Any]):
    """A Litestar DTO that only decodes: strict JSON into the handler's `data` struct."""

    __slots__ = ()
    _decoders: ClassVar[dict[Any, msgspec.json.Decoder[Any]]] = {}

    @classmethod
    def generate_field_definitions(
        cls, model_type: type[Any]
    ) -> Generator[DTOFieldDefinition, None, None]:
        # Never called: this DTO builds no transfer model.
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        if field_definition.name == "data" and field_definition.annotation not in cls._decoders:
            cls._decoders[field_definition.annotation] = msgspec.json.Decoder(
                field_definition.annotation
            )

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaFactory
    ) -> Reference | Schema:
        return schema_creator.for_field_definition(
            FieldDefinition.from_annotation(field_definition.annotation)
        )

    def decode_bytes(self, value: bytes) -> Any:
        connection = self.asgi_connection
        check_media_type(connection.headers.get("content-type"))
        field = connection.route_handler.parsed_data_field
        assert field is not None  # Litestar only calls a data DTO for a handler with `data`
        return decode(self._decoders[field.annotation], value)

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        # Only reached for form bodies, which no route accepts.
        raise UnsupportedMediaType("form data")


async def optional_body(
    request: Request[Any, Any, Any], decoder: msgspec.json.Decoder[T]
) -> T | None:
    """The body of a route whose body may be left out: None when empty (whatever its
    Content-Type), else decoded strictly as `JsonBody` decodes (415, 400)."""
    raw = await request.body()
    if not raw.strip():
        return None
    check_media_type(request.headers.get("content-type"))
    value: T = decode(decoder, raw)
    return value


def check_media_type(content_type: str | None) -> None:
    """JSON or a `+json` type, in UTF-8 (RFC 8259 allows no other charset): else 415."""
    if not content_type:
        raise UnsupportedMediaType("")
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType(media_type)
    if params:
        for param in params.split(";"):
            name, _, val = param.partition("=")
            if name.strip().lower() == "charset" and val.strip().strip('"').lower() not in (
                "utf-8",
                "utf8",
            ):
                raise UnsupportedMediaType(content_type.strip())


def decode(decoder: msgspec.json.Decoder[Any], body: bytes) -> Any:
    """Decode `body` or raise BadRequest naming the field at fault."""
    try:
        value = decoder.decode(body)
    except msgspec.ValidationError as error:
        raise _validation_error(str(error)) from None
    except msgspec.DecodeError as error:
        field = _field_with_lone_surrogate(body)
        if field is not None:
            raise UnstorableText(field) from None
        raise BadRequest("body", f"Malformed JSON: {error}") from None
    except UnicodeDecodeError:
        raise BadRequest("body", "The body is not valid UTF-8.") from None
    except RecursionError:
        raise BadRequest("body", "The JSON body is nested too deeply.") from None
    return value


def _field_with_lone_surrogate(body: bytes) -> str | None:
    """The field (as msgspec names it: `skills[0]`) of the first string holding an unpaired
    surrogate escape, when that is what made the body undecodable; else None.

    RFC 8259 lets a parser refuse such a string; msgspec does, with "Input data was truncated"
    or a byte offset. Python's parser keeps the surrogate, which finds the field. Only ever run
    on a body that already failed.
    """
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return _find_surrogate(value, "")


def _find_surrogate(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            return path or "body"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if _LONE_SURROGATE.search(key):
                return path or "body"  # a name that cannot be echoed back
            name = f"{path}.{key}" if path else key
            found = _find_surrogate(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _validation_error(text: str) -> BadRequest:
    missing = _MISSING.match(text)
    if missing:
        field = missing["field"]
        return BadRequest(field, f"{field}: This field is required.")
    located = _AT_PATH.match(text)
    if located and located["path"]:
        field = located["path"]
        return BadRequest(field, f"{field}: {located['message']}")
    message = located["message"] if located else text
    if message.startswith("Expected `object`"):
        return BadRequest("body", f"The body must be a JSON object: {message}")
    return BadRequest("body", message)
