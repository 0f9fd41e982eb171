"""Reading and writing conversations (sync ORM): ownership, search, settings, turns to send, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.client_tools import BROWSER_CHAT
from billing.models import Membership, Team
from chat import documents
from chat.attachments import attach_to, image_parts, model_parts
from chat.document_search import Search, too_large
from chat.generation import Outcome
from chat.interrupted import finalise_interrupted
from chat.model_picker import AUTO_ROUTES, remember_model
from chat.models import Conversation, Message
from chat.projects import project_for_new_chat, system_text
from chat.versions import retire_answers, thread
from llmhub.catalog import find_model, snapshot
from llmhub.errors import InvalidRequest, NotFound
from llmhub.gateway import Caller, prompt_tokens_estimate
from llmhub.providers.base import ChatRequest

MAX_MESSAGE_CHARS = 100_000
TITLE_CHARS = 60
# An auto-routed answer's model is chosen later: its documents are searched past the share of this window.
AUTO_CONTEXT_WINDOW = 128_000


@dataclass
class Turn:
    """An answer about to be generated: where it goes and the gateway request that produces it."""

    conversation_id: int
    user_message: Message | None
    answer: Message
    caller: Caller
    request: ChatRequest
    title: str = ""
    dropped_after: int | None = None  # messages after this id were removed (edit / regenerate)
    search: Search | None = None  # documents too large to send whole: passages are found before it is sent


def team_for(user: Any) -> Team | None:
    membership = Membership.objects.filter(user=user).select_related("team").order_by("id").first()
    return membership.team if membership else None


def conversations_for(user: Any, query: str = "") -> QuerySet[Conversation]:
    """The user's conversations, newest first; `query` matches titles and message text."""
    found = Conversation.objects.filter(owner=user)
    if query:
        matching = Message.objects.filter(content__icontains=query).values("conversation_id")
        found = found.filter(Q(title__icontains=query) | Q(id__in=matching))
    return found


def owned(user: Any, conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(id=conversation_id, owner_id=getattr(user, "id", None)).first()
    if conversation is None:
        raise NotFound(_("That conversation does not exist or is not yours."))
    return conversation


def may_open(user: Any, conversation_id: int) -> bool:
    return bool(user and user.is_authenticated) and Conversation.objects.filter(id=conversation_id, owner=user).exists()


def default_model() -> str:
    models = snapshot().models
    for preferred in ("gpt-4o-mini", "gpt-4o"):
        if preferred in models:
            return preferred
    return next(iter(models), "gpt-4o-mini")


def teams_of(user: Any) -> list[Team]:
    return [m.team for m in Membership.objects.filter(user=user).select_related("team").order_by("id")]


def create_conversation(user: Any, model: str = "", team_slug: str = "", project_id: Any = None) -> Conversation:
    """A new conversation billed to the chosen team (one of the user's), else to their first team; one started in
    a project is its team's, with the project's default model unless another was picked."""
    if project_id not in (None, ""):
        project = project_for_new_chat(user, project_id)
        return Conversation.objects.create(
            owner=user, team=project.team, project=project, model=model or project.default_model or default_model()
        )
    team = team_for(user)
    if team_slug:
        team = next((t for t in teams_of(user) if t.slug == team_slug), None)
        if team is None:
            raise InvalidRequest(_("You are not a member of that team."))
    if team is None:
        raise InvalidRequest(_("You are not in a team yet, so nothing can be billed. Ask an admin to add you to one."))
    return Conversation.objects.create(owner=user, team=team, model=model or default_model())


def auto_title(text: str) -> str:
    """The first user message, trimmed at a word boundary: no extra model call for a title."""
    line = " ".join(text.split())
    if len(line) <= TITLE_CHARS:
        return line or "Image"
    return line[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def apply_settings(conversation: Conversation, action: dict[str, Any]) -> None:
    """Model, system prompt, temperature and max tokens sent with a message become the conversation's."""
    if "model" in action:
        name = str(action["model"])
        conversation.model = name if name in AUTO_ROUTES else find_model(snapshot().models, name).name
        remember_model(conversation.owner, conversation.model)
    if "system_prompt" in action:
        conversation.system_prompt = str(action["system_prompt"] or "")[:MAX_MESSAGE_CHARS]
    if "temperature" in action:
        conversation.temperature = _number(action["temperature"], float, 0, 2, _("Temperature"))
    if "max_tokens" in action:
        conversation.max_tokens = _number(action["max_tokens"], int, 1, 1_000_000, _("Max tokens"))


def _number(value: Any, kind: type, low: float, high: float, label: str) -> Any:
    if value in (None, ""):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(_("%(label)s must be a number.") % {"label": label}) from exc
    if not low <= number <= high:
        raise InvalidRequest(
            _("%(label)s must be between %(low)s and %(high)s.") % {"label": label, "low": low, "high": high}
        )
    return number


def _history(conversation: Conversation, *, whole_documents: bool = True) -> tuple[list[dict[str, Any]], list[int]]:
    """The messages the model is sent, with each message's documents as text (left out when they are to be
    searched instead), and the ids of those documents."""
    messages: list[dict[str, Any]] = []
    attached: list[int] = []
    system = system_text(conversation)
    if system:
        messages.append({"role": "system", "content": system})
    for message in thread(conversation).exclude(status__in=[Message.ERROR, Message.STREAMING, Message.INTERRUPTED]):
        if message.role == Message.ASSISTANT and not message.content:
            continue
        content: Any = message.content
        if message.parts:
            attached += [p["id"] for p in message.parts if p.get("type") == documents.PART]
            texts = documents.model_text(message) if whole_documents else []
            images = model_parts(message)
            if images:
                content = [
                    {"type": "text", "text": message.content},
                    *({"type": "text", "text": t} for t in texts),
                    *images,
                ]
            elif texts:
                content = "\n\n".join(t for t in [message.content, *texts] if t)
        messages.append({"role": message.role, "content": content})
    return messages, attached


def _start_answer(
    conversation: Conversation, question: Message, user_message: Message | None, dropped_after: int | None
) -> Turn:
    auto = conversation.model in AUTO_ROUTES  # the gateway's cost router picks the model, and says why
    spec = None if auto else find_model(snapshot().models, conversation.model)
    name = spec.name if spec else conversation.model
    messages, attached = _history(conversation)
    search = None
    if attached and too_large(prompt_tokens_estimate(messages), spec.context_window if spec else AUTO_CONTEXT_WINDOW):
        messages, _attached = _history(conversation, whole_documents=False)
        search = Search(attached, question.content)
    request = ChatRequest(model=name, messages=messages, stream=True, include_usage=True)
    if conversation.temperature is not None:
        request.params["temperature"] = conversation.temperature
    if conversation.max_tokens:
        request.params["max_tokens"] = conversation.max_tokens
    if spec and any(isinstance(m["content"], list) for m in request.messages) and not spec.supports_vision:
        raise InvalidRequest(
            _("%(model)s cannot see images. Pick a model marked “vision” to talk about images.") % {"model": spec.name}
        )
    answer = conversation.messages.create(
        role=Message.ASSISTANT,
        model=name,
        routed_as=name if auto else "",
        status=Message.STREAMING,
        heartbeat_at=timezone.now(),
        reply_to=question,
    )
    conversation.save(update_fields=["updated_at"])
    caller = Caller(
        user_id=conversation.owner_id, team_id=conversation.team_id, source="chat", client_tool=BROWSER_CHAT
    )
    return Turn(conversation.id, user_message, answer, caller, request, str(conversation), dropped_after, search)


def _refuse_while_written_elsewhere(conversation: Conversation) -> None:
    """One answer at a time, across processes: another one's live answer shows as a fresh heartbeat."""
    finalise_interrupted(conversation.id)
    if conversation.messages.filter(status=Message.STREAMING).exists():
        raise InvalidRequest(_("An answer is still being written. Stop it first (Esc)."))


@transaction.atomic
def prepare_send(user: Any, conversation_id: int, action: dict[str, Any]) -> Turn:
    conversation = owned(user, conversation_id)
    _refuse_while_written_elsewhere(conversation)
    text = str(action.get("content") or "")
    parts = image_parts(action.get("images"), user) + documents.document_parts(action.get("documents"), user)
    if not text.strip() and not parts:
        raise InvalidRequest(_("Type a message first."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(
            _("That message is longer than %(limit)s characters. Shorten it.") % {"limit": MAX_MESSAGE_CHARS}
        )
    apply_settings(conversation, action)
    if not conversation.title:
        conversation.title = auto_title(text or documents.first_name(parts))
    conversation.save()
    user_message = conversation.messages.create(role=Message.USER, content=text, parts=parts)
    attach_to(user_message)
    documents.attach_documents(user_message)
    return _start_answer(conversation, user_message, user_message, None)


@transaction.atomic
def prepare_regenerate(user: Any, conversation_id: int, action: dict[str, Any]) -> Turn:
    """Write the last answer again, with the same or another model; the earlier one stays as a version."""
    conversation = owned(user, conversation_id)
    _refuse_while_written_elsewhere(conversation)
    last_user = thread(conversation).filter(role=Message.USER).last()
    if last_user is None:
        raise InvalidRequest(_("There is nothing to regenerate yet."))
    apply_settings(conversation, action)
    conversation.save()
    retire_answers(last_user)
    return _start_answer(conversation, last_user, None, last_user.id)


@transaction.atomic
def prepare_edit(user: Any, conversation_id: int, action: dict[str, Any]) -> Turn:
    """Change a sent message and answer again from there; its earlier answers stay as versions, later
    turns leave the conversation (kept for the bill)."""
    conversation = owned(user, conversation_id)
    _refuse_while_written_elsewhere(conversation)
    try:
        message = thread(conversation).get(id=int(action.get("message_id", "")), role=Message.USER)
    except (TypeError, ValueError, Message.DoesNotExist) as exc:
        raise InvalidRequest(_("That message cannot be edited.")) from exc
    text = str(action.get("content") or "")
    if not text.strip() and not message.parts:
        raise InvalidRequest(_("Type a message first."))
    apply_settings(conversation, action)
    conversation.save()
    retire_answers(message, new_wording=text[:MAX_MESSAGE_CHARS])
    message.content = text[:MAX_MESSAGE_CHARS]
    message.save(update_fields=["content"])
    return _start_answer(conversation, message, message, message.id)


def save_progress(message_id: int, text: str, request_id: str) -> None:
    """The text so far, and the heartbeat that tells every process this answer's writer is alive."""
    Message.objects.filter(id=message_id, status=Message.STREAMING).update(
        content=text, request_id=request_id, heartbeat_at=timezone.now()
    )


def finish_message(message_id: int, outcome: Outcome) -> Message:
    Message.objects.filter(id=message_id).update(
        content=outcome.text,
        status=outcome.status,
        error=outcome.error,
        error_code=outcome.error_code,
        request_id=outcome.request_id,
        model=outcome.model or Message.objects.get(id=message_id).model,
        prompt_tokens=outcome.prompt_tokens,
        completion_tokens=outcome.completion_tokens,
        cost=outcome.cost,
        latency_ms=outcome.latency_ms,
        ttft_ms=outcome.ttft_ms,
        route=outcome.route,
        sources=outcome.sources,
        refusal=outcome.refusal,
        fallback=outcome.fallback,
    )
    return Message.objects.select_related("conversation").get(id=message_id)
