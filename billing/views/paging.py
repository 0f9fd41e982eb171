"""The page number and the filters of a paged list's query string, shared by the staff and team lists."""

from __future__ import annotations

from django.http import HttpRequest


def page_number(request: HttpRequest) -> int:
    return int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for links to other pages of the same list."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def query_without(request: HttpRequest, *names: str) -> str:
    """The current filters without these (and the page), for links that set them: date presets, sort links."""
    query = request.GET.copy()
    for name in ("page", *names):
        query.pop(name, None)
    return query.urlencode()
