"""What the upstream wire-format schemas share: strict token counts, objects told apart by their `type`, and
the one check that turns a body or event of the wrong shape into that upstream's failure, never a crash."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Strict, TypeAdapter, ValidationError

from llmhub.errors import UpstreamError

# A token count as the native formats send it: a whole JSON number, never text, a float, a bool or negative.
Count = Annotated[int, Strict(), Field(ge=0)]

# The tag under which `by_type` files a `type` the schema does not describe (checked only for having a type).
OTHER = "other"


def by_type(*known: str) -> Discriminator:
    """Tell a union's members apart by their `type` string; types added to the format later fall to OTHER."""
    names = frozenset(known)

    def tag(value: Any) -> str:
        kind = value.get("type") if isinstance(value, dict) else None
        return kind if kind in names else OTHER

    return Discriminator(tag)


def _where(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    return ".".join(str(part) for part in first["loc"]) or "(body)"


def conform(schema: TypeAdapter[Any], value: object, provider: str, failure: str, *, strict: bool = False) -> None:
    """Raise UpstreamError ("Upstream <provider> <failure> (at <first field at fault>).") unless `value`
    matches `schema`; the text is built only on failure, as this runs on every chunk. `strict` takes JSON's
    types as sent: no "5" for 5, no "yes" for true."""
    try:
        schema.validate_python(value, strict=strict)
    except ValidationError as exc:
        raise UpstreamError(f"Upstream {provider} {failure} (at {_where(exc)}).") from None
