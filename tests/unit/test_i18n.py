"""Translations: negotiation, and a complete Japanese catalog."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from almanac.api.i18n import LOCALES_DIR, Translator

SOURCE = Path(__file__).resolve().parents[2] / "src" / "almanac"


def test_every_message_in_the_code_has_a_japanese_translation() -> None:
    translator = Translator()
    msgids = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(SOURCE), method_map=[("**.py", "python")], keywords={"N_": None}
        )
        if isinstance(message, str)
    }
    assert len(msgids) > 50
    untranslated = sorted(m for m in msgids if translator.translate("ja", m) == m)
    assert untranslated == []


def test_translations_keep_their_placeholders() -> None:
    translator = Translator()
    text = translator.translate("ja", "No %(kind)s with id %(id)s was found.", {"kind": "event", "id": 3})
    assert text == "ID 3 のイベントは見つかりませんでした。"


def test_negotiation_prefers_quality_and_falls_back_to_english() -> None:
    translator = Translator()
    assert translator.negotiate("ja") == "ja"
    assert translator.negotiate("en;q=0.1, ja-JP;q=0.8") == "ja"
    assert translator.negotiate("de, fr") == "en"
    assert translator.negotiate(None) == "en"
    assert translator.negotiate("ja;q=abc") == "en"


def test_catalogs_are_found_next_to_the_code() -> None:
    assert (LOCALES_DIR / "ja" / "LC_MESSAGES" / "messages.po").is_file()
    assert Translator().languages >= {"en", "ja"}
