"""Strict reading of the file formats: pydantic building blocks and one error translation.

The pydantic models built from these blocks are the single description of each format: the
loaders parse *through* them and ``caflow schema`` publishes their JSON Schemas (docs/schema/).
What a user wrote wrongly never passes silently ("never guess silently"):

* an unknown key is bad input with a did-you-mean (``unknown key 'rememberMFA' (did you mean
  'rememberMfa'?)``); Graph camelCase and PowerShell PascalCase spellings of a key both load;
* scalars are not coerced: ``isEnabled: "true"``, ``days: true`` and ``isCompliant: "yes"`` are
  wrong types, not guesses (pydantic strict types);
* every error names the file and the JSON path *as written* (pydantic reports the key the input
  used) and becomes one :class:`~caflow.errors.SchemaError` line (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from caflow.errors import (
    SchemaError,
    did_you_mean,
    did_you_mean_hint,
    json_pointer,
    shown_key,
    shown_pointer,
)

__all__ = [
    "Flag",
    "FormatModel",
    "Items",
    "Moment",
    "Number",
    "Text",
    "TextList",
    "TwoMeanings",
    "accept_spellings",
    "choice",
    "choice_list",
    "key_spellings",
    "key_twice_error",
    "one_meaning",
    "read_model",
    "schema_error",
    "spellings_in_schema",
    "written_key",
]

Path = tuple[str | int, ...]

_YAML_HINT = "YAML reads unquoted yes, no, on, off, NO ... as booleans: quote the value"


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def key_spellings(name: str) -> tuple[str, ...]:
    """The accepted spellings of the key ``name``: itself, then its Graph camelCase and
    PowerShell PascalCase forms (docs/scenario-format.md, docs/bundle-format.md)."""
    return tuple(dict.fromkeys((name, _camel(name), _pascal(name))))


def _spellings(name: str) -> AliasChoices:
    """Graph camelCase and PowerShell PascalCase spellings of one key (canonical first)."""
    return AliasChoices(*key_spellings(name))


def written_key(obj: Mapping[str, Any], name: str, *, file: str, path: Path = ()) -> str:
    """The key under which ``obj`` holds ``name`` (any accepted spelling; ``name`` when none is
    there), so a reader that looks keys up by hand accepts what the models accept and names the
    JSON path as written. Copies in two spellings follow :func:`one_meaning` (A-IN-DUP): the
    non-null one is read; two meanings are exit 2 (:func:`key_twice_error`)."""
    spellings = key_spellings(name)
    found = [k for k in obj if isinstance(k, str) and k in spellings]
    if len(found) > 1:
        try:
            one_meaning([obj[k] for k in found])
        except TwoMeanings:
            raise key_twice_error(file, path, found[0], found[1]) from None
    return next((k for k in found if obj[k] is not None), found[0] if found else name)


def accept_spellings(schema: dict[str, Any]) -> dict[str, Any]:
    """Make an object schema accept what :class:`FormatModel` accepts: every property also
    under its other spelling (camelCase / PascalCase), a required key in either spelling, and
    never both spellings at once (stricter than the loader, which also reads copies that mean
    one thing, A-IN-DUP: a file the schema accepts always loads). Changes ``schema`` in place
    and returns it."""
    props: dict[str, Any] = schema.get("properties") or {}
    groups: list[tuple[str, ...]] = []
    for name in list(props):
        others = [k for k in key_spellings(name) if k not in props]
        for other in others:
            props[other] = props[name]
        if others:
            groups.append((name, *others))
    required = schema.get("required") or []
    conditions: list[dict[str, Any]] = []
    for group in groups:
        if group[0] in required:  # exactly one of its spellings
            required.remove(group[0])
            conditions.append({"oneOf": [{"required": [k]} for k in group]})
        else:  # at most one of its spellings
            conditions.append({"not": {"required": list(group)}})
    if "required" in schema and not required:
        del schema["required"]
    if conditions:
        schema["allOf"] = [*schema.get("allOf", ()), *conditions]
    return schema


def spellings_in_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """``json_schema_extra`` hook: the model's JSON Schema accepts both key spellings."""
    accept_spellings(schema)


class TwoMeanings(Exception):
    """Copies of one key (written twice, or in two spellings) that mean two different things."""


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON type all the way down (``1`` is not ``true``, nor ``1.0``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def one_meaning(copies: Sequence[Any]) -> Any:
    """The value that copies of one key written more than once in one object mean - the same
    key twice (``state`` ... ``state``) or two spellings of it (``State`` and ``state``): when
    all are equal, or all but one are ``null``, that value (docs/assumptions.md A-IN-DUP);
    otherwise :class:`TwoMeanings` - which one is meant is unknown, and picking one would let a
    careless or hostile file hide ``state: enabled`` behind ``State: disabled``."""
    distinct: list[Any] = []
    for value in copies:
        if value is not None and not any(_same(value, d) for d in distinct):
            distinct.append(value)
    if len(distinct) > 1:
        raise TwoMeanings
    return distinct[0] if distinct else None


class FormatModel(BaseModel):
    """Base of every file-format model: unknown keys refused with a did-you-mean."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=_spellings),
        json_schema_extra=spellings_in_schema,
    )

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            accepted = _accepted_keys(cls)
            seen: dict[str, str] = {}  # field -> the first spelling of it in ``data``
            clash: list[str] = []
            for key in data:
                if not isinstance(key, str) or key not in accepted:
                    canonical = list(cls.model_fields)
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key {key}",
                        {
                            "key": str(key),
                            "suggestion": did_you_mean(str(key), canonical) or "",
                            "known": ", ".join(canonical),
                        },
                    )
                if accepted[key] in seen:
                    clash.append(key)
                else:
                    seen[accepted[key]] = key
            if clash:
                return _one_spelling(data, seen, clash, accepted)
        return data


def _one_spelling(
    data: Mapping[str, Any], first: dict[str, str], clash: list[str], accepted: Mapping[str, str]
) -> dict[str, Any]:
    """``data`` with each key written in two spellings (``rememberMfa`` and ``RememberMfa``)
    kept once, when the copies mean one thing (:func:`one_meaning`); else an error naming both."""
    out = dict(data)
    for key in clash:
        name = accepted[key]
        kept = first[name]
        try:
            out[kept] = one_meaning([out[kept], data[key]])
        except TwoMeanings:
            raise PydanticCustomError(
                "key_twice", "key twice", {"key": key, "first": kept}
            ) from None
        del out[key]
    return out


@cache
def _accepted_keys(cls: type[BaseModel]) -> Mapping[str, str]:
    """Every accepted spelling of each field's key -> the field."""
    return {s: name for name in cls.model_fields for s in key_spellings(name)}


# -- scalar types ------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """A string; an integer is read as its digits (YAML ``id: 12345``). The YAML loader keeps
    ``0755`` and ``12:30:00`` as strings (io/decode.py), so no digits are lost."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise PydanticCustomError("string_type", "Input should be a valid string")


#: The date-times a format file may write, as text: ISO 8601 extended form with at least hours
#: and minutes (``T`` or a space), optional seconds and fraction (.NET writes 7 digits), ``Z`` or
#: an offset (none: UTC). Published as the schema's ``pattern`` and checked by the loader, so
#: the two agree: a bare date is refused whether YAML reads it as a date or as a quoted string,
#: and so are the other forms Python's ``fromisoformat`` would take (``20260105T0800``,
#: ``2026-W02-1T08:00``).
MOMENT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
_MOMENT_TEXT = re.compile(MOMENT_PATTERN)
_BARE_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _moment(value: Any) -> Any:
    """An ISO 8601 date-time (``Z`` or offset; naive = UTC; .NET's 7 fraction digits)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        from caflow.model.durations import parse_moment

        if _BARE_DATE.match(value):
            raise PydanticCustomError(
                "datetime_type", "a date without a time: write {value}T00:00:00Z", {"value": value}
            )
        try:
            if not _MOMENT_TEXT.match(value):
                raise ValueError(value)
            return parse_moment(value)
        except ValueError:
            raise PydanticCustomError(
                "datetime_parsing", "expected an ISO 8601 date-time such as 2026-01-05T09:00:00Z"
            ) from None
    if isinstance(value, date):
        raise PydanticCustomError(
            "datetime_type", "a date without a time: write 2026-01-05T00:00:00Z"
        )
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime")


def _lone_item(value: Any) -> Any:
    """A list of strings; a lone string is one item (PowerShell unrolls one-element arrays) and
    an empty value (``memberOf:``) is no items."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return value


def choice(*values: str) -> Any:
    """A string from a closed set, matched case-insensitively and returned in its canonical
    spelling; anything else is an invalid value with a did-you-mean (never another value)."""
    canonical = {v.lower(): v for v in values}

    def pick(value: Any) -> Any:
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", "Input should be a valid string")
        found = canonical.get(value.strip().lower())
        if found is None:
            raise PydanticCustomError(
                "literal_error",
                "Input should be {expected}",
                {"expected": ", ".join(f"'{v}'" for v in values)},
            )
        return found

    return Annotated[
        str, BeforeValidator(pick), WithJsonSchema({"type": "string", "enum": list(values)})
    ]


def choice_list(*values: str) -> Any:
    """A list of strings from a closed set (:func:`choice`); a lone string is one item."""
    item = choice(*values)
    return Annotated[tuple[item, ...], BeforeValidator(_lone_item)]  # type: ignore[valid-type]


def _none_is_empty(value: Any) -> Any:
    return () if value is None else value


T = TypeVar("T")

Text = Annotated[str, BeforeValidator(_text)]
#: A list of objects; an empty YAML value (``users:``) is no items.
Items = Annotated[tuple[T, ...], BeforeValidator(_none_is_empty)]
Flag = StrictBool
Number = StrictInt
Moment = Annotated[
    datetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]
TextList = Annotated[tuple[Text, ...], BeforeValidator(_lone_item)]


# -- errors ------------------------------------------------------------------------------------

_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "datetime_type": "an ISO 8601 date-time",
    "datetime_parsing": "an ISO 8601 date-time",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
    "list_type": "a list",
    "tuple_type": "a list",
}

_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}

M = TypeVar("M", bound=BaseModel)


def schema_error(exc: ValidationError, *, file: str, path: Sequence[str | int] = ()) -> SchemaError:
    """The first error of ``exc`` as one :class:`SchemaError` line (file + JSON path)."""
    err = exc.errors(include_url=False)[0]
    kind = err["type"]
    loc = (*path, *(p for p in err["loc"] if isinstance(p, str | int)))
    got = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "unknown_key":
        key = str(ctx.get("key"))
        suggestion = ctx.get("suggestion")
        return SchemaError(
            f"unknown key {shown_key(key)}",
            file=file,
            path=(*loc, key),
            hint=f"did you mean '{suggestion}'?" if suggestion else f"known keys: {ctx['known']}",
            code="unknown-key",
        )
    if kind == "key_twice":
        return key_twice_error(file, loc, str(ctx["first"]), str(ctx["key"]))
    if kind == "missing":
        return SchemaError(
            "missing field", file=file, path=loc, expected=f"'{loc[-1]}'", code="missing-field"
        )
    if kind in _EXPECTED:
        hint = None
        if isinstance(got, bool) and kind == "string_type":
            hint = _YAML_HINT
        elif isinstance(got, str) and kind == "bool_type":
            hint = "write true or false without quotes"
        elif isinstance(got, str) and kind == "int_type":
            hint = "write the number without quotes"
        message = "wrong type" if kind != "datetime_parsing" else "invalid value"
        if kind.startswith("datetime") and not err["msg"].startswith("Input"):
            message = err["msg"]
        expected = _EXPECTED[kind]
        if isinstance(got, Mapping | list | tuple):
            expected += ", got " + ("an object" if isinstance(got, Mapping) else "a list")
            got = None
        return SchemaError(
            message,
            file=file,
            path=loc,
            expected=expected,
            got=got,
            hint=hint,
            code="wrong-type" if message == "wrong type" else "invalid-value",
        )
    if kind in ("literal_error", "enum"):
        choices = str(ctx.get("expected", ""))
        names = [c.strip().strip("'") for c in choices.replace(" or ", ", ").split(",")]
        return SchemaError(
            "invalid value",
            file=file,
            path=loc,
            expected=f"one of {', '.join(n for n in names if n)}",
            got=got,
            hint=did_you_mean_hint(got, names) if isinstance(got, str) else None,
            code="invalid-value",
        )
    if kind in _BOUNDS:
        bound = ", ".join(
            f"{_BOUNDS[kind]} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")
        )
        return SchemaError(
            "invalid value",
            file=file,
            path=loc,
            expected=f"a value {bound}",
            got=got,
            code="invalid-value",
        )
    message = err["msg"].removeprefix("Value error, ")
    return SchemaError(message, file=file, path=loc, got=None, code="invalid-value")


def key_twice_error(file: str, where: Path, first: str, second: str) -> SchemaError:
    """Error for an object at ``where`` writing one key as ``first`` and again as ``second``
    with another meaning (:func:`one_meaning`); both keys' JSON pointers are named."""
    return SchemaError(
        f"duplicate key {shown_key(second)}: also written as {shown_key(first)} at "
        f"{shown_pointer(json_pointer((*where, first)))}, with another value",
        file=file,
        path=(*where, second),
        hint="one key in two spellings: which value is meant is unknown",
        code="duplicate",
    )


def read_model(
    model: type[M],
    data: Any,
    *,
    file: str,
    path: Sequence[str | int] = (),
    strict: bool | None = None,
) -> M:
    """Validate ``data`` with ``model``; bad input becomes a :class:`SchemaError`.
    ``strict``: pydantic strict mode for models not built from the strict types here."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise schema_error(exc, file=file, path=path) from None
