"""No page sends someone who is not a superuser to the Django admin (/admin/), by a link or a redirect."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/keys/", "/usage/", "/teams/", "/teams/acme/credits/", "/teams/acme/credits/ask/", "/compare/",
         "/staff/spend/", "/staff/spend/records/", "/staff/credits/", "/staff/credit-requests/", "/staff/price-match/"]  # fmt: skip
HREF = re.compile(r'href="([^"#]*)"')


def _links_and_pages(client, person):
    """Every page above and every link they show, fetched as `person`: (url, status, redirect, body)."""
    client.force_login(person.user)
    seen: dict[str, tuple[int, str, str]] = {}
    queue = list(PAGES)
    while queue:
        url = queue.pop()
        if url in seen or not url.startswith("/") or url.startswith("/static/") or "export" in url:
            continue
        response = client.get(url)
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        seen[url] = (response.status_code, response.get("Location", ""), body)
        if url in PAGES:  # follow the links of the pages listed, one level deep
            queue += [link.replace("&amp;", "&") for link in HREF.findall(body)]
    return seen


@pytest.mark.parametrize("who", ["alice", "bob", "staff"])
def test_no_page_links_or_redirects_a_non_superuser_to_the_admin(client, request, alice, bob, staff, spend, who):
    spend(bob, "0.5")
    person = request.getfixturevalue(who)
    for url, (status, location, body) in _links_and_pages(client, person).items():
        assert "/admin/" not in location, f"{url} redirects {who} to {location}"
        assert 'href="/admin' not in body, f"{url} links {who} to the admin"
        assert status != 500, url


def test_a_superuser_still_gets_the_admin_link(client, alice):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("su", "su@example.com", "correct-horse-battery")
    client.force_login(root)
    assert 'href="/admin/"' in client.get("/keys/").content.decode()
