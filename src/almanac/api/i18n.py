"""Translations: Babel message catalogs per language, chosen from Accept-Language.

Catalogs are the ``.po`` files under ``api/locales/<lang>/LC_MESSAGES``; every
file of a language is merged into one catalog (each face may keep its own
file), read once when the app is built (not at import). English is the source language: a msgid is
its own English text. An unknown or malformed Accept-Language falls back to
English and never fails.
"""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
SOURCE_LANGUAGE = "en"


class Translator:
    """Holds one gettext catalog per supported language."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._catalogs: dict[str, gettext.NullTranslations] = {SOURCE_LANGUAGE: gettext.NullTranslations()}
        for language_dir in sorted(p for p in locales_dir.iterdir() if (p / "LC_MESSAGES").is_dir()):
            merged: gettext.NullTranslations | None = None
            for po_path in sorted((language_dir / "LC_MESSAGES").glob("*.po")):
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=language_dir.name)
                compiled = BytesIO()
                write_mo(compiled, catalog)
                compiled.seek(0)
                translations = gettext.GNUTranslations(compiled)
                if merged is None:
                    merged = translations
                else:
                    merged.add_fallback(translations)
            if merged is not None:
                self._catalogs[language_dir.name] = merged

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self._catalogs)

    def negotiate(self, accept_language: str | None) -> str:
        """The best supported language for an Accept-Language header (RFC 9110 §12.5.4)."""
        for tag in _preferred_tags(accept_language or ""):
            if tag == "*":
                return SOURCE_LANGUAGE
            primary = tag.split("-", 1)[0].split("_", 1)[0]
            if primary in self._catalogs:
                return primary
        return SOURCE_LANGUAGE

    def translate(self, language: str, template: str, params: dict[str, Any] | None = None) -> str:
        catalog = self._catalogs.get(language, self._catalogs[SOURCE_LANGUAGE])
        text = catalog.gettext(template)
        if not params:
            return text
        if isinstance(params.get("kind"), str):
            # The kind of object ("event", "calendar"...) is itself a translatable noun.
            params = {**params, "kind": catalog.gettext(params["kind"])}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return template % params if _fills(template, params) else text


def _fills(template: str, params: dict[str, Any]) -> bool:
    try:
        template % params
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _preferred_tags(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        if not tag or len(tag) > 35:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]
