"""OpenAI's Responses endpoints: create (JSON or the event stream), retrieve, delete, list input items."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseBase

from billing.keys import check_model_allowed
from llmhub import gateway
from llmhub.api.decorators import api_endpoint
from llmhub.api.formats import RESPONSES
from llmhub.api.formats.responses_request import ResponsesRequest, parse_compact_request
from llmhub.api.formats.responses_response import output_as_message
from llmhub.api.request import ApiRequest
from llmhub.api.request_headers import headers_of
from llmhub.api.responses import MeteredStreamingResponse, json_response
from llmhub.api.stored_responses import response_delete, response_get, response_items, response_save
from llmhub.catalog import asnapshot, find_model
from llmhub.errors import HubError, InvalidRequest
from llmhub.infra.db_executor import run_db
from llmhub.providers.base import Target


async def _history(api: ApiRequest, body: Any) -> list[dict[str, Any]] | None:
    previous = body.get("previous_response_id") if isinstance(body, dict) else None
    if previous is None:
        return None
    stored = await run_db(response_get, str(previous), api.caller.user_id, api.caller.team_id)
    return list(stored.conversation)


async def _may_pass_through(body: dict[str, Any]) -> bool:
    """Whether a Responses upstream may serve `body` (a model it names has a deployment speaking it)."""
    models = (await asnapshot()).models
    fallbacks = body.get("models")
    names = [body.get("model"), *(fallbacks if isinstance(fallbacks, list) else [])]
    for name in names:
        try:
            spec = find_model(models, name)
        except HubError:
            return True  # "auto" or a name the gateway refuses later: expand, to be safe
        if any(target.provider.speaks_natively("responses") for target in spec.targets):
            return True
    return False


async def _native_body(api: ApiRequest, body: Any) -> Any:
    """The client's body for a Responses upstream (passthrough). The hub keeps stored responses, so a
    follow-up goes with the stored conversation's items in place of `previous_response_id` (read only when
    a Responses upstream may serve it)."""
    previous = body.get("previous_response_id") if isinstance(body, dict) else None
    if previous is None or not await _may_pass_through(body):
        return body
    items = await run_db(response_items, str(previous), api.caller.user_id, api.caller.team_id)
    new = body.get("input")
    new_items = [{"type": "message", "role": "user", "content": new}] if isinstance(new, str) else list(new or [])
    native = {key: value for key, value in body.items() if key != "previous_response_id"}
    return {**native, "input": items + new_items}


async def _store(api: ApiRequest, parsed: ResponsesRequest, final: dict[str, Any]) -> None:
    if not parsed.store or final.get("status") == "failed":
        return
    # Instructions are not carried over to a follow-up (as OpenAI does): the follow-up sends its own.
    history = parsed.chat.messages[1:] if parsed.echo["instructions"] else parsed.chat.messages
    conversation = [*history, output_as_message(final["output"])]
    await run_db(
        response_save,
        user_id=api.caller.user_id,
        team_id=api.caller.team_id,
        body=final,
        input_items=parsed.input_items,
        conversation=conversation,
    )


@api_endpoint(wire=RESPONSES)
async def create_response(api: ApiRequest) -> HttpResponseBase:
    body = api.json()
    parsed = RESPONSES.parse(body, await _history(api, body))
    RESPONSES.keep_native(parsed.chat, await _native_body(api, body), headers_of(api.http))
    if parsed.chat.stream:
        session = await gateway.open_stream(api.caller, parsed.chat, cache=api.cache)

        async def keep(final: dict[str, Any]) -> None:
            await _store(api, parsed, final)

        content = RESPONSES.stream(session, echo=parsed.echo, on_done=keep)
        return MeteredStreamingResponse(session, content, "text/event-stream")
    result = await gateway.complete(api.caller, parsed.chat, cache=api.cache)
    if result.native is not None:
        rendered = RESPONSES.answer_native(result, parsed.echo)
    else:
        rendered = RESPONSES.render(result, parsed.echo)
    await _store(api, parsed, rendered)
    return json_response(rendered, headers=result.call.headers())


@api_endpoint(methods=("GET", "DELETE"), wire=RESPONSES)
async def response_detail(api: ApiRequest, response_id: str) -> HttpResponse:
    if api.http.method == "DELETE":
        await run_db(response_delete, response_id, api.caller.user_id, api.caller.team_id)
        return json_response({"id": response_id, "object": "response", "deleted": True})
    stored = await run_db(response_get, response_id, api.caller.user_id, api.caller.team_id)
    return HttpResponse(stored.body, content_type="application/json")


@api_endpoint(methods=("GET",), wire=RESPONSES)
async def response_input_items(api: ApiRequest, response_id: str) -> HttpResponse:
    stored = await run_db(response_get, response_id, api.caller.user_id, api.caller.team_id)
    items = [{"id": f"item_{n}_{response_id}", **item} for n, item in enumerate(stored.input_items)]
    return json_response(
        {
            "object": "list",
            "data": items,
            "first_id": items[0]["id"] if items else None,
            "last_id": items[-1]["id"] if items else None,
            "has_more": False,
        }
    )


async def _responses_target(api: ApiRequest, model: Any, what: str) -> Target:
    """The first deployment of `model` that speaks the Responses API, or a 400 naming what needs one."""
    spec = find_model((await asnapshot()).models, model)
    if api.caller.allowed_models:
        check_model_allowed(api.caller.allowed_models, spec.name)
    for target in spec.targets:
        if target.provider.speaks_natively("responses"):
            return target
    raise InvalidRequest(
        f"{what} needs a Responses upstream, and no deployment of '{spec.name}' speaks the Responses API.",
        param="model",
    )


@api_endpoint(wire=RESPONSES)
async def input_tokens(api: ApiRequest) -> HttpResponse:
    """The upstream's own count of a Responses body's input tokens (nothing billed)."""
    body = api.json()
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    target = await _responses_target(api, body.get("model"), "Counting input tokens")
    headers = {name: api.http.headers[name] for name in RESPONSES.forwarded_headers if name in api.http.headers}
    counted = await gateway.count_input_tokens(target, await _native_body(api, body), headers)
    return json_response(counted)


@api_endpoint(wire=RESPONSES)
async def compact(api: ApiRequest) -> HttpResponse:
    """A conversation compacted by a Responses upstream: billed as the model call it is."""
    body = api.json()
    chat = parse_compact_request(body, await _history(api, body))
    await _responses_target(api, chat.model, "Compaction")
    RESPONSES.keep_native(chat, await _native_body(api, body), headers_of(api.http))
    assert chat.native is not None
    chat.native.endpoint = "compact"
    result = await gateway.complete(api.caller, chat)
    assert result.native is not None
    return json_response(RESPONSES.render_native(result.native, result.body["usage"]), headers=result.call.headers())
