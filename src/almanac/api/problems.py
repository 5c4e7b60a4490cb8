"""Turning failures into domain errors once, whatever raised them.

Pydantic and FastAPI report validation failures in their own vocabulary; this
module maps each to a domain ``Problem`` with a translatable English template,
so every face renders every failure the same way and in the caller's language.
Custom validators raise ``PydanticCustomError(code, english, params)``; the
face passes its table of code -> template along.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from almanac.domain.errors import N_, InvalidInputError, Problem

PYDANTIC_TEMPLATES: Final[dict[str, str]] = {
    "missing": N_("This field is required."),
    "json_invalid": N_("The request body is not valid JSON."),
    "json_type": N_("The request body must be a JSON object."),
    "string_type": N_("Must be a string."),
    "string_unicode": N_("Must be valid UTF-8 text."),
    "list_type": N_("Must be an array."),
    "int_type": N_("Must be an integer."),
    "int_parsing": N_("Must be an integer."),
    "int_from_float": N_("Must be an integer."),
    "int_parsing_size": N_("The number is too large."),
    "bool_type": N_("Must be true or false."),
    "bool_parsing": N_("Must be true or false."),
    "dict_type": N_("Must be a JSON object."),
    "model_type": N_("Must be a JSON object."),
    "model_attributes_type": N_("Must be a JSON object."),
    "too_long": N_("At most %(max_length)s items are allowed."),
    "too_short": N_("At least %(min_length)s items are required."),
    "string_too_long": N_("At most %(max_length)s characters are allowed."),
    "string_too_short": N_("At least %(min_length)s characters are required."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "greater_than": N_("Must be greater than %(gt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "enum": N_("Must be one of: %(expected)s."),
    "literal_error": N_("Must be one of: %(expected)s."),
    "string_pattern_mismatch": N_("Does not have the expected format."),
    "recursion_loop": N_("The value is nested too deeply."),
}
FALLBACK_TEMPLATE: Final = N_("This value is invalid.")
_LOCATION_ROOTS: Final = frozenset({"body", "query", "path", "header", "cookie"})


def field_path(location: Sequence[str | int]) -> str:
    """``("body", "recipients", 2)`` -> ``"recipients[2]"``; the bare body is ``""``."""
    parts = list(location)
    if parts and parts[0] in _LOCATION_ROOTS:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def from_validation_errors(
    errors: Sequence[dict[str, Any]], templates: Mapping[str, str] | None = None
) -> InvalidInputError:
    """One InvalidInputError holding a Problem per pydantic/FastAPI error, in their order.

    ``templates`` adds a face's own error codes (those its validators raise as
    ``PydanticCustomError(code, ...)``) to pydantic's; unknown codes get a
    generic message rather than pydantic's untranslatable prose.
    """
    table = {**PYDANTIC_TEMPLATES, **(templates or {})}
    problems: list[Problem] = []
    for error in errors:
        code = str(error.get("type", "invalid"))
        params = {k: _printable(v) for k, v in (error.get("ctx") or {}).items()}
        template = table.get(code, FALLBACK_TEMPLATE)
        problems.append(Problem(field_path(error.get("loc", ())), code, template, params))
    return InvalidInputError(problems)


def _printable(value: Any) -> Any:
    if isinstance(value, (str, int, float)):
        return value
    return str(value)
