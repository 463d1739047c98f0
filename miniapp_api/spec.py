"""One declaration per endpoint: it routes, validates with the models and documents OpenAPI 3.1."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import BadRequest

from miniapp_api.schemas import ErrorResponse
from services.errors import InvalidInput
from storage.safe_input import problem_of

API_PREFIX = "/api/v1"
ERROR_TEXT = {
    400: "invalid input",
    401: "missing, invalid or expired token (or invalid auth code)",
    403: "the caller's role may not use this endpoint",
    404: "not found, or outside the caller's scope",
    409: "conflicts with the application's current state",
    413: "the upload is over IMPORT_MAX_BYTES or IMPORT_MAX_ROWS",
    429: "rate limited; see Retry-After",
    503: "DingTalk is unavailable; retry later",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    response: type[BaseModel]
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    auth: bool
    status: int
    tag: str


ENDPOINTS: list[Endpoint] = []


@dataclass(frozen=True)
class Answer:
    """A service's value answered as it is, without a validation pass through the response
    model: pydantic serializes the (data)classes directly, in a quarter of the time.

    For the hottest endpoints. The value's fields must be the response model's: the
    schemathesis run checks every answer against the OpenAPI document (whose models forbid
    extra fields), and tests compare both serializations.
    """

    value: Any
    adapter: TypeAdapter[Any]


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def answer(value: Any, kind: Any) -> Answer:
    """Answer `value`, an instance of `kind` (a dataclass or a type like `list[X]`)."""
    return Answer(value, _adapter(kind))


def _body() -> Any:
    """The JSON body, parsed by the app's bounded provider; what it refuses is a 400."""
    try:
        data = request.get_json(force=True)
    except BadRequest:
        raise InvalidInput("the body is not valid JSON", code="invalid_json") from None
    problem = problem_of(data, where="body")
    if problem is not None:
        raise InvalidInput(problem)
    return data


def _parse(model: type[BaseModel], data: Any) -> BaseModel:
    if not isinstance(data, dict):
        raise InvalidInput("expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "request"
        raise InvalidInput(f"{where}: {first['msg']}") from None


def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    response: type[BaseModel],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    auth: bool = True,
    status: int = 200,
) -> Callable[[Callable[..., BaseModel | Answer]], Callable[..., BaseModel | Answer]]:
    """Register a view that gets validated `query`/`body` and returns a response model."""
    base = (400, 401, 403, 404) if auth else (400,)
    all_errors = tuple(sorted(set(base) | set(errors)))
    spec = Endpoint(method, path, summary, response, query, body, all_errors, auth, status, bp.name)
    ENDPOINTS.append(spec)

    def decorate(fn: Callable[..., BaseModel | Answer]) -> Callable[..., BaseModel | Answer]:
        @functools.wraps(fn)
        def view(**kwargs: Any) -> Response:
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict())
            if body is not None:
                kwargs["body"] = _parse(body, _body())
            result = fn(**kwargs)
            # pydantic writes the JSON itself: no intermediate dicts, no second encoder.
            if isinstance(result, Answer):
                payload = result.adapter.dump_json(result.value)
            else:
                payload = result.model_dump_json().encode()
            return Response(payload, status=status, mimetype="application/json")

        rule = re.sub(r"{(\w+)}", r"<\1>", path)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return fn

    return decorate


def _parameters(spec: Endpoint) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    if spec.query is not None:
        schema = spec.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            required = name in schema.get("required", [])
            params.append({"name": name, "in": "query", "required": required, "schema": prop})
    params.append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "enum": ["zh", "en"]},
            "description": "labels in Chinese (default) or English",
        }
    )
    return params


def openapi_document(*, title: str = "My Interviews mini-app API") -> dict[str, Any]:
    """Build the OpenAPI 3.1 document from the registered endpoints and their models."""
    pairs: list[tuple[type[BaseModel], Any]] = [(ErrorResponse, "serialization")]
    for spec in ENDPOINTS:
        pairs.append((spec.response, "serialization"))
        if spec.body is not None:
            pairs.append((spec.body, "validation"))
    refs, defs = models_json_schema(
        list(dict.fromkeys(pairs)), ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict[str, Any]] = {}
    error_ref = refs[(ErrorResponse, "serialization")]
    for spec in ENDPOINTS:
        responses: dict[str, Any] = {
            str(spec.status): {
                "description": "OK",
                "content": {"application/json": {"schema": refs[(spec.response, "serialization")]}},
            }
        }
        for code in spec.errors:
            responses[str(code)] = {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": error_ref}},
            }
        operation: dict[str, Any] = {
            "operationId": f"{spec.method.lower()}_{re.sub(r'[^a-z]+', '_', spec.path.lower())}",
            "summary": spec.summary,
            "tags": [spec.tag],
            "parameters": _parameters(spec),
            "responses": responses,
            "security": [{"bearer": []}] if spec.auth else [],
        }
        if spec.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
            }
        paths.setdefault(API_PREFIX + spec.path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
