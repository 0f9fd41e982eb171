"""A page's words in the language a browser locale picks, read from the hub's own catalogs (the templates' and
the page scripts'), so one browser test runs in English and in Chinese without a second copy of its words."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGE_OF = {"en-US": "en", "zh-CN": "zh-hans"}
LOCALES = list(LANGUAGE_OF)  # for @pytest.mark.parametrize("locale", LOCALES)


def words(locale: str) -> Callable[[str], str]:
    """t("Create link") -> "创建链接" for zh-CN: the server's catalog, else the page scripts' (djangojs); a msgid
    neither translates comes back as it is (English). Placeholders stay in: t("Revoke link: %s") % title."""
    from django.utils.translation.trans_real import DjangoTranslation

    language = LANGUAGE_OF[locale]
    catalogs = [DjangoTranslation(language), DjangoTranslation(language, domain="djangojs")]

    def t(msgid: str) -> str:
        for catalog in catalogs:
            found = catalog.gettext(msgid)
            if found != msgid:
                return found
        return msgid

    return t
