"""URL map: the /v1 API, the pages of chat and billing, the admin, the language switch and JS catalog."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from llmhub import language_choice
from llmhub.api import native_views as native
from llmhub.api import responses_views as responses
from llmhub.api import views as api
from llmhub.health import healthz
from llmhub.ops.health_page import health_page, test_deployment_page
from llmhub.ops.metrics_endpoint import metrics

urlpatterns = [
    path("v1/chat/completions", api.chat_completions, name="api-chat-completions"),
    path("v1/embeddings", api.embeddings, name="api-embeddings"),
    path("v1/models", api.models, name="api-models"),
    path("v1/responses", responses.create_response, name="api-responses"),
    path("v1/responses/input_tokens", responses.input_tokens, name="api-responses-input-tokens"),
    path("v1/responses/compact", responses.compact, name="api-responses-compact"),
    path("v1/responses/<str:response_id>", responses.response_detail, name="api-response-detail"),
    path("v1/responses/<str:response_id>/input_items", responses.response_input_items, name="api-response-input-items"),
    path("v1/messages", native.messages, name="api-anthropic-messages"),
    path("v1/messages/count_tokens", native.count_tokens, name="api-anthropic-count-tokens"),
    # Before v1/models/<model>, which would otherwise swallow "gemini-2.0-flash:generateContent".
    re_path(
        r"^v1(?:beta)?/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$",
        native.generate_content,
        name="api-gemini-generate",
    ),
    re_path(r"^v1(?:beta)?/models/(?P<model>[^/:]+):countTokens$", native.gemini_count_tokens, name="api-gemini-count"),
    re_path(r"^v1(?:beta)?/models/(?P<model>[^/:]+):embedContent$", native.embed_content, name="api-gemini-embed"),
    re_path(
        r"^v1(?:beta)?/models/(?P<model>[^/:]+):batchEmbedContents$",
        native.batch_embed_contents,
        name="api-gemini-batch-embed",
    ),
    path("v1beta/models", native.gemini_models, name="api-gemini-models"),
    path("v1beta/models/<str:model>", native.gemini_model_detail, name="api-gemini-model-detail"),
    path("v1/models/<str:model>", api.model_detail, name="api-model-detail"),
    path("v1/generation", api.generation, name="api-generation"),
    path("v1/compare", api.compare, name="api-compare"),
    path("v1/usage", api.usage, name="api-usage"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("staff/health/", health_page, name="ops-health"),
    path("staff/health/test/", test_deployment_page, name="ops-health-test"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", language_choice.set_language, name="set_language"),  # the language switch
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
    path("", include("billing.urls")),
    path("", include("chat.urls")),
]
