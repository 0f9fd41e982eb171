"""Pages of the browser chat: the chat itself, conversation actions, exports, compare and its leaderboard."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chat import attachments, chat_turns, compare_history, compare_runs, conversations, exports, projects, versions
from chat.answer_feedback import feedback_json, feedback_of, parse_feedback, rate_answer
from chat.interrupted import finalise_interrupted
from chat.json_actions import json_action, json_body, whole_number
from chat.leaderboard import board, teams_with_board
from chat.message_view import format_cost, message_context, message_json
from chat.model_picker import model_groups, remember_model
from chat.model_pins import set_favourite, set_team_default
from chat.models import ChatImage, Conversation
from chat.page_context import chat_page, picker_context
from chat.sidebar import TIME_ZONE_COOKIE
from llmhub.errors import HubError, InvalidRequest, NotFound, RequestTooLarge


def _mine(request: HttpRequest, conversation_id: int) -> Conversation:
    try:
        return conversations.owned(request.user, conversation_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _opened(request: HttpRequest, conversation_id: int) -> Conversation:
    """The user's conversation, with answers left streaming by a dead process finalised as interrupted."""
    found = _mine(request, conversation_id)
    finalise_interrupted(found.id, written_here=chat_turns.answers_written_here())
    return found


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A new chat; `?project=<id>`: a new chat in one of the user's teams' projects."""
    project = None
    if request.GET.get("project"):
        try:
            project = projects.project_for_new_chat(request.user, request.GET["project"])
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except HubError:  # archived: its page says so
            return redirect("project", project_id=int(request.GET["project"]))
    zone = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    context = chat_page(request.user, request.GET.get("q", "").strip(), zone=zone, project=project)
    return render(request, "chat/chat.html", context)


@login_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _opened(request, conversation_id)
    kept = versions.versions_by_question(found)
    thread = list(versions.thread(found))
    mine = feedback_of(request.user, [m.id for m in thread])
    messages = [message_context(m, kept, mine) for m in thread]
    total = format_cost(versions.billed_total(found))
    context = chat_page(
        request.user,
        request.GET.get("q", "").strip(),
        zone=request.COOKIES.get(TIME_ZONE_COOKIE, ""),
        conversation=found,
        messages=messages,
        total=total,
    )
    return render(request, "chat/chat.html", context)


@login_required
def messages_json(request: HttpRequest, conversation_id: int) -> JsonResponse:
    found = _opened(request, conversation_id)
    total = format_cost(versions.billed_total(found))
    kept = versions.versions_by_question(found)
    thread = list(versions.thread(found))
    mine = feedback_of(request.user, [m.id for m in thread])
    return JsonResponse({"messages": [message_json(m, kept, mine) for m in thread], "total": total})


@json_action(status=201)
def upload_image(request: HttpRequest) -> dict[str, Any]:
    """An image attached in the chat, stored before its message is sent (the socket carries only its URL)."""
    upload = request.FILES.get("image")
    if upload is None:
        raise InvalidRequest(_("Choose an image to attach."), code="no_image")
    if (upload.size or 0) > attachments.MAX_IMAGE_BYTES:
        raise RequestTooLarge(str(attachments.TOO_LARGE), code="image_too_large")
    image = attachments.store_image(request.user, upload.content_type or "", upload.read())
    return {"id": image.id, "url": attachments.image_url(image.id)}


@login_required
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    found = ChatImage.objects.filter(id=image_id, owner_id=request.user.pk).first()
    if found is None:
        raise Http404(_("That image does not exist or is not yours."))
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=31536000, immutable"  # an upload never changes
    response["Content-Disposition"] = "inline"
    return response


@json_action()
def new_conversation(request: HttpRequest) -> dict[str, Any]:
    created = conversations.create_conversation(
        request.user, request.POST.get("model", ""), request.POST.get("team", ""), request.POST.get("project")
    )
    return {"id": created.id, "url": f"/c/{created.id}/"}


@json_action()
def model_preference(request: HttpRequest) -> dict[str, Any]:
    """The model picked in the chat, remembered for the user's next chats."""
    if not remember_model(request.user, request.POST.get("model", "")):
        raise InvalidRequest(_("That model is not offered."), code="model_not_found")
    return {"model": request.POST["model"]}


@json_action()
def model_favourite(request: HttpRequest) -> dict[str, Any]:
    """Star (favourite=1) or unstar (favourite=0) a model in the person's picker."""
    name, starred = request.POST.get("model", ""), request.POST.get("favourite") == "1"
    set_favourite(request.user, name, starred=starred)
    return {"model": name, "favourite": starred}


@json_action()
def team_model_default(request: HttpRequest) -> dict[str, Any]:
    """A team admin pins a model (empty: none) for the whole team."""
    name = request.POST.get("model", "")
    team = set_team_default(request.user, request.POST.get("team", ""), name)
    return {"team": team.slug, "model": name}


@login_required
def model_estimates(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """What a typical next message costs in the conversation, per model, after it grew."""
    found = _mine(request, conversation_id)
    context = picker_context(request.user, found.team, found)
    message = context["typical_message"]
    estimates = {c.name: c.estimate for group in context["picker_groups"] for c in group.choices if c.estimate}
    return JsonResponse({"history": message.history_tokens, "answer": message.answer_tokens, "estimates": estimates})


@login_required
@require_POST
def rename(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _mine(request, conversation_id)
    found.title = request.POST.get("title", "").strip()[:200] or found.title
    found.save(update_fields=["title", "updated_at"])
    return redirect("conversation", conversation_id=found.id)


@login_required
@require_POST
def delete(request: HttpRequest, conversation_id: int) -> HttpResponse:
    _mine(request, conversation_id).delete()
    return redirect("home")


@login_required
def export(request: HttpRequest, conversation_id: int, fmt: str) -> HttpResponse:
    found = _mine(request, conversation_id)
    return exports.export_response(found, fmt)


@login_required
def compare(request: HttpRequest, run_id: int | None = None) -> HttpResponse:
    try:
        run = compare_runs.owned_run(request.user, run_id) if run_id else None
    except NotFound as exc:
        raise Http404(exc.message) from exc
    groups = model_groups()
    names = [choice.name for _family, choices in groups for choice in choices]
    context = {
        "run": run,
        "model_groups": groups,
        # Two different models picked to start with (the same model twice is refused); 3 and 4 start empty.
        "slots": list(zip("1234", [*names[:2], "", ""], strict=False)),
        "answers": compare_runs.answer_views(run),
        "past_runs": compare_history.past_runs(request.user),
    }
    return render(request, "chat/compare.html", context)


@json_action()
def compare_create(request: HttpRequest) -> dict[str, Any]:
    run = compare_runs.create_run(
        request.user,
        request.POST.get("prompt", ""),
        request.POST.getlist("model"),
        request.POST.get("system_prompt", ""),
        blind=request.POST.get("blind") in ("1", "on", "true"),
    )
    answers = compare_runs.answer_ids(run)
    return {"id": run.id, "url": f"/compare/{run.id}/", "blind": run.blind, "answers": answers}


@json_action()
def compare_vote(request: HttpRequest, run_id: int) -> dict[str, Any]:
    vote = compare_runs.vote(request.user, run_id, whole_number(json_body(request).get("answer", 0)))
    return {"answer": vote.answer_id, "models": compare_runs.revealed_models(vote.run)}


@json_action(status=201)
def compare_continue(request: HttpRequest, run_id: int, answer_id: int) -> dict[str, Any]:
    """Continue one column of a comparison as a chat conversation."""
    conversation = compare_history.continue_in_chat(request.user, run_id, answer_id)
    return {"id": conversation.id, "url": f"/c/{conversation.id}/"}


@login_required
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    """A team's leaderboard, read-only, for its members (hub staff: every team); another team's is not found."""
    teams = teams_with_board(request.user)
    if not teams:
        raise PermissionDenied("The leaderboard is for members of a team.")
    asked = request.GET.get("team", "")
    team = next((t for t in teams if t.slug == asked), None if asked else teams[0])
    if team is None:
        raise Http404(_("No such team."))
    return render(request, "chat/leaderboard.html", {"teams": teams, "team": team, "board": board(team.id)})


@json_action()
def answer_feedback(request: HttpRequest, message_id: int) -> dict[str, Any]:
    """Thumbs up or down, with an optional note, on one of the user's answers; a null rating takes it back."""
    try:
        good, note = parse_feedback(json.loads(request.body or b"null"))
    except (ValueError, RecursionError) as exc:  # not JSON, or nested past the parser's depth
        raise InvalidRequest(_("Send a JSON object with a rating.")) from exc
    return feedback_json(rate_answer(user=request.user, message_id=message_id, good=good, note=note))
