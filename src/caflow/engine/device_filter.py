"""Conditional Access device filter (and application filter) rules: parse once, evaluate fast.

A rule such as ``device.trustType -eq "AzureAD" -and device.isCompliant -eq True`` is parsed by a
lark LALR grammar built once at import time, validated against the property/operator table
(docs/sources.md CA-3, from Microsoft's "filter for devices" page), and compiled
into a tree of small closures. ``compile_device_filter`` caches the result per rule text, so a
policy set re-evaluated for thousands of simulated sign-ins parses each rule exactly once.

Sources (via the reference): MicrosoftDocs/entra-docs
``docs/identity/conditional-access/concept-condition-filters-for-devices.md`` (property table,
unregistered-device table, extensionAttribute availability), ``docs/identity/users/
groups-dynamic-membership.md`` (grammar, precedence, escapes) and
``docs/identity/conditional-access/concept-token-protection.md`` (``systemLabels -eq``).

Any input string either compiles or raises :class:`DeviceFilterError` (a ``SchemaError``) whose
message names the problem and its column: the loader turns that into a file + JSON path message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from caflow.errors import SchemaError, Shown, enum_token

__all__ = [
    "MAX_RULE_LENGTH",
    "DeviceFilterError",
    "FilterRule",
    "compile_application_filter",
    "compile_device_filter",
]

#: CA-3: "Max rule length **3072** characters."
MAX_RULE_LENGTH: Final = 3072


class DeviceFilterError(SchemaError):
    """A device/application filter rule that Entra would reject; message names what and where."""

    code = "invalid-device-filter"

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        column: int | None = None,
        line: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.rule = rule
        self.column = column
        self.line = line
        super().__init__(message, **kwargs)


# --------------------------------------------------------------------------------------------
# Property / operator table (docs/sources.md CA-3 "Properties and operators allowed in CA device filters")
# --------------------------------------------------------------------------------------------

_STRING = "string"  # scalar string: -contains is a substring test
_BOOL = "bool"  # isCompliant: compared as true/false
_COLLECTION = "collection"  # physicalIds, systemLabels: -contains is a whole-element match
_DYNAMIC = "dynamic"  # custom security attribute: collection if the value is a list

# footnote 1 of the table: "all string ops"
_ALL_OPS: Final = frozenset(
    {
        "eq",
        "ne",
        "startswith",
        "notstartswith",
        "endswith",
        "notendswith",
        "contains",
        "notcontains",
        "in",
        "notin",
    }
)
_EQ_NE: Final = frozenset({"eq", "ne"})
_EQ_NE_IN: Final = frozenset({"eq", "ne", "in", "notin"})
_CONTAINS: Final = frozenset({"contains", "notcontains"})

# lowercase operator -> (positive base operator, negated?).  CA-3: negative operators are the
# complement of positive ones except on null, where both sides are decided by the null rule.
_OPERATORS: Final[dict[str, tuple[str, bool]]] = {
    "eq": ("eq", False),
    "ne": ("eq", True),
    "startswith": ("startswith", False),
    "notstartswith": ("startswith", True),
    "endswith": ("endswith", False),
    "notendswith": ("endswith", True),
    "contains": ("contains", False),
    "notcontains": ("contains", True),
    "in": ("in", False),
    "notin": ("in", True),
}
_SPELLING: Final[dict[str, str]] = {
    "eq": "-eq",
    "ne": "-ne",
    "startswith": "-startsWith",
    "notstartswith": "-notStartsWith",
    "endswith": "-endsWith",
    "notendswith": "-notEndsWith",
    "contains": "-contains",
    "notcontains": "-notContains",
    "in": "-in",
    "notin": "-notIn",
    "match": "-match",
    "notmatch": "-notMatch",
}


@dataclass(frozen=True, slots=True)
class _PropertySpec:
    canonical: str
    kind: str
    operators: frozenset[str]
    tolerated: frozenset[str] = frozenset()  # accepted although not in the documented table


def _device_properties() -> dict[str, _PropertySpec]:
    specs = [
        _PropertySpec("deviceId", _STRING, _EQ_NE_IN),
        _PropertySpec("displayName", _STRING, _ALL_OPS),
        _PropertySpec("deviceOwnership", _STRING, _EQ_NE),
        _PropertySpec("enrollmentProfileName", _STRING, _ALL_OPS),
        _PropertySpec("isCompliant", _BOOL, _EQ_NE),
        _PropertySpec("manufacturer", _STRING, _ALL_OPS),
        _PropertySpec("model", _STRING, _ALL_OPS),
        _PropertySpec("mdmAppId", _STRING, _EQ_NE_IN),
        _PropertySpec("operatingSystem", _STRING, _ALL_OPS),
        _PropertySpec("operatingSystemVersion", _STRING, _ALL_OPS),
        _PropertySpec("physicalIds", _COLLECTION, _CONTAINS),
        _PropertySpec("profileType", _STRING, _EQ_NE),
        # CA-3 footnote: the token protection page writes `systemLabels -eq "CloudPC"`, so -eq/-ne
        # are tolerated and mean contains/notContains on this collection.
        _PropertySpec("systemLabels", _COLLECTION, _CONTAINS, tolerated=_EQ_NE),
        _PropertySpec("trustType", _STRING, _EQ_NE),
    ]
    specs += [_PropertySpec(f"extensionAttribute{i}", _STRING, _ALL_OPS) for i in range(1, 16)]
    return {s.canonical.lower(): s for s in specs}


_DEVICE_PROPERTIES: Final = _device_properties()
_EXTENSION_PREFIX: Final = "extensionattribute"
_CSA_PREFIX: Final = "customsecurityattribute"

# --------------------------------------------------------------------------------------------
# Grammar (docs/sources.md CA-3 "Grammar (dynamic membership rules)")
# --------------------------------------------------------------------------------------------


def _ci(word: str) -> str:
    """Case-insensitive regex for an ASCII keyword without the `i` flag (which lets Unicode
    look-alikes such as U+212A KELVIN SIGN match `k`)."""
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


# Precedence high -> low: comparison; -not; -and; -or.  Keywords and operators are
# case-insensitive and the leading hyphen is optional (group-rule syntax).  Parentheses are
# inlined so redundant nesting costs nothing.
_GRAMMAR: Final = rf"""
start: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> negation
         | atom
?atom: comparison
     | LPAR or_expr RPAR -> group
comparison: PROP OP value
?value: DQSTRING | SQSTRING | TRUE | FALSE | NULL | array
array: LSQB [_scalar (COMMA _scalar)*] RSQB
_scalar: DQSTRING | SQSTRING | TRUE | FALSE

NOT.2: /-?{_ci("not")}\b/
AND.2: /-?{_ci("and")}\b/
OR.2: /-?{_ci("or")}\b/
TRUE.2: /{_ci("true")}\b/
FALSE.2: /{_ci("false")}\b/
NULL.2: /{_ci("null")}\b/
PROP: /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/
OP: /-?[A-Za-z]+/
DQSTRING: /"(?:[^"`]|`[\s\S])*"/
SQSTRING: /'(?:[^']|'')*'/
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
WS: /\s+/
%ignore WS
"""

_PARSER: Final = Lark(_GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)

_EXPECTED_NAMES: Final[dict[str, str]] = {
    "PROP": "a property such as device.trustType",
    "OP": "an operator such as -eq",
    "DQSTRING": "a quoted string",
    "SQSTRING": "a quoted string",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "NOT": "-not",
    "AND": "-and",
    "OR": "-or",
    "$END": "end of rule",
}

# --------------------------------------------------------------------------------------------
# Compiled rule
# --------------------------------------------------------------------------------------------

_Value = str | tuple[str, ...] | None
_Env = dict[str, _Value]
_Node = Callable[[_Env], bool]


@dataclass(frozen=True)
class FilterRule:
    """A compiled filter rule. ``properties`` are canonical names (``isCompliant``,
    ``Engineering_Project``) so callers can tell which device/app facts a rule depends on."""

    text: str
    properties: frozenset[str]
    _evaluate: Callable[[Mapping[str, object] | None], bool] = field(
        repr=False, compare=False, default=lambda _device: False
    )

    def matches(self, device: Mapping[str, object] | None) -> bool:
        """True when the rule holds for ``device``; ``None`` = device not registered in Entra ID
        (CA-3: every property is null). Keys are canonical property names, matched
        case-insensitively; a missing key or ``None`` value is null."""
        return self._evaluate(device)


@lru_cache(maxsize=4096)
def compile_device_filter(rule: str) -> FilterRule:
    """Compile ``conditions.devices.deviceFilter.rule``; raises :class:`DeviceFilterError`."""
    return _compile(rule, application=False)


@lru_cache(maxsize=1024)
def compile_application_filter(rule: str) -> FilterRule:
    """Compile an applicationFilter rule over ``CustomSecurityAttribute.<Set>_<Attribute>``."""
    return _compile(rule, application=True)


# --------------------------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------------------------


def _where(rule: str, pos: int) -> tuple[str, int, int]:
    line = rule.count("\n", 0, pos) + 1
    column = pos - (rule.rfind("\n", 0, pos) + 1) + 1
    text = f"column {column}" if "\n" not in rule else f"line {line}, column {column}"
    return text, line, column


def _error(rule: str, pos: int, message: str, hint: str | None = None) -> DeviceFilterError:
    where, line, column = _where(rule, pos)
    return DeviceFilterError(
        f"{message} at {where}", rule=rule, line=line, column=column, hint=hint
    )


def _snippet(rule: str, pos: int) -> str:
    end = pos
    while end < len(rule) and end - pos < 24 and not rule[end].isspace():
        end += 1
    return rule[pos : max(end, pos + 1)]


def _expected(names: object) -> str | None:
    if not isinstance(names, (set, frozenset, list, tuple)):
        return None
    seen = sorted({_EXPECTED_NAMES[n] for n in names if n in _EXPECTED_NAMES})
    return "expected " + ", ".join(seen) if seen else None


def _syntax_error(rule: str, exc: UnexpectedInput) -> DeviceFilterError:
    """Turn a lark error into a message naming the offending text and its column."""
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(rule)
        if pos < len(rule) and rule[pos] in "\"'":
            return _error(rule, pos, "unterminated string")
        return _error(
            rule, pos, f"unexpected {enum_token(_snippet(rule, pos))}", _expected(exc.allowed)
        )
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            return _error(
                rule, len(rule.rstrip()), "unexpected end of rule", _expected(exc.expected)
            )
        pos = tok.start_pos if tok.start_pos is not None else 0
        return _error(rule, pos, f"unexpected {enum_token(str(tok))}", _expected(exc.expected))
    return _error(rule, len(rule.rstrip()), "unexpected end of rule")


def _compile(rule: str, *, application: bool) -> FilterRule:
    if not isinstance(rule, str):
        raise DeviceFilterError(
            "filter rule must be a string", expected="string", got=Shown(type(rule).__name__)
        )
    if not rule.strip():
        raise DeviceFilterError("filter rule is empty", rule=rule)
    if len(rule) > MAX_RULE_LENGTH:
        raise DeviceFilterError(
            f"filter rule is {len(rule)} characters long; the maximum is {MAX_RULE_LENGTH}",
            rule=rule,
        )
    try:
        tree = _PARSER.parse(rule)
    except UnexpectedInput as exc:
        raise _syntax_error(rule, exc) from None
    except LarkError as exc:  # pragma: no cover - lark raises UnexpectedInput for bad input
        raise DeviceFilterError(f"invalid filter rule: {exc}", rule=rule) from None
    compiler = _Compiler(rule, application)
    try:
        root = compiler.node(tree.children[0])
    except RecursionError:  # pragma: no cover - grammar + 3072 chars keeps nesting shallow
        raise DeviceFilterError("filter rule is nested too deeply", rule=rule) from None
    props = tuple(compiler.properties.items())  # (lower, canonical)
    return FilterRule(
        text=rule,
        properties=frozenset(canonical for _, canonical in props),
        _evaluate=_make_evaluator(root, props, device_mode=not application),
    )


class _Compiler:
    """Walks the parse tree, validates property/operator/value and builds closures."""

    def __init__(self, rule: str, application: bool) -> None:
        self.rule = rule
        self.application = application
        self.properties: dict[str, str] = {}  # lower -> canonical, first spelling wins

    def node(self, tree: Tree[Token] | Token) -> _Node:
        # -not chains are folded iteratively: `-not -not x` == x and no deep recursion.
        negations = 0
        while isinstance(tree, Tree) and tree.data in ("negation", "group"):
            negations += tree.data == "negation"
            tree = tree.children[1]  # [NOT, expr] or [LPAR, expr, RPAR]
        assert isinstance(tree, Tree)
        if tree.data == "comparison":
            result = self.comparison(*tree.children)  # type: ignore[arg-type]
        else:
            children = [self.node(c) for c in tree.children if isinstance(c, Tree)]
            result = _all(children) if tree.data == "and_expr" else _any(children)
        return _negate(result) if negations % 2 else result

    # ---- property -------------------------------------------------------------------------
    def prop(self, tok: Token) -> tuple[str, _PropertySpec]:
        text = str(tok)
        parts = text.split(".")
        if self.application:
            # applicationFilter: CustomSecurityAttribute.<AttributeSet>_<Attribute>
            if len(parts) == 2 and parts[0].lower() == _CSA_PREFIX:
                name = parts[1]
                head, sep, tail = name.partition("_")
                if sep and head and tail:
                    canonical = self.properties.setdefault(name.lower(), name)
                    return name.lower(), _PropertySpec(canonical, _DYNAMIC, _ALL_OPS)
            raise _error(
                self.rule,
                tok.start_pos or 0,
                f"unknown property {enum_token(text)}",
                "application filters use CustomSecurityAttribute.<AttributeSet>_<Attribute>",
            )
        # `device.` prefix is case-insensitive; the bare form (token protection examples) is
        # tolerated.  Property names are case-insensitive (CA-3, Inference).
        if len(parts) == 2 and parts[0].lower() == "device":
            name = parts[1]
        elif len(parts) == 1:
            name = parts[0]
        else:
            name = ""
        spec = _DEVICE_PROPERTIES.get(name.lower())
        if spec is None:
            raise _error(
                self.rule,
                tok.start_pos or 0,
                f"unknown property {enum_token(text)}",
                "device filters support " + ", ".join(_ALLOWED_LIST),
            )
        self.properties.setdefault(spec.canonical.lower(), spec.canonical)
        return spec.canonical.lower(), spec

    # ---- one comparison -------------------------------------------------------------------
    def comparison(self, prop_tok: Token, op_tok: Token, value: Tree[Token] | Token) -> _Node:
        key, spec = self.prop(prop_tok)
        rule = self.rule
        op_pos = op_tok.start_pos or 0
        op_text = str(op_tok)
        op = op_text.lstrip("-").lower()
        what = "application filters" if self.application else "device filters"
        if op in ("match", "notmatch"):
            raise _error(
                rule,
                op_pos,
                f"operator {enum_token(op_text)} (regex) is not supported in Conditional Access {what}",
                "use -startsWith, -endsWith, -contains or -in",
            )
        if op not in _OPERATORS:
            raise _error(rule, op_pos, f"unknown operator {enum_token(op_text)}")
        allowed = spec.operators | spec.tolerated
        if op not in allowed:
            ops = ", ".join(_SPELLING[o] for o in sorted(spec.operators, key=list(_SPELLING).index))
            raise _error(
                rule,
                op_pos,
                f"operator {_SPELLING[op]} is not allowed for property {spec.canonical!r}",
                f"{spec.canonical} supports {ops}",
            )
        base, negated = _OPERATORS[op]
        if spec.kind == _COLLECTION and base == "eq":
            base = "contains"  # tolerated systemLabels -eq/-ne == contains/notContains

        val_pos = _pos(value)
        if isinstance(value, Token) and value.type == "NULL":
            # `null` unquoted only with -eq/-ne: -eq null is true when null, -ne null false.
            if op not in _EQ_NE:
                raise _error(
                    rule, val_pos, f"null can only be compared with -eq or -ne, not {_SPELLING[op]}"
                )
            return _null_check(key, negated)
        if base == "in":
            if not isinstance(value, Tree):
                raise _error(
                    rule, val_pos, f'{_SPELLING[op]} needs an array value such as ["a","b"]'
                )
            items = frozenset(
                self.operand(spec, t)
                for t in value.children
                if isinstance(t, Token) and t.type not in ("LSQB", "RSQB", "COMMA")
            )
            return _comparison(key, base, negated, items, spec.kind)
        if isinstance(value, Tree):
            raise _error(rule, val_pos, f"{_SPELLING[op]} needs a single value, not an array")
        return _comparison(key, base, negated, self.operand(spec, value), spec.kind)

    def operand(self, spec: _PropertySpec, tok: Token) -> str:
        """Rule value as case-folded text; booleans become "true"/"false"."""
        if tok.type in ("TRUE", "FALSE"):
            text = tok.type.lower()
        elif tok.type == "DQSTRING":
            text = _unescape_double(str(tok)[1:-1])
        else:
            text = str(tok)[1:-1].replace("''", "'")
        text = text.casefold()
        if spec.kind == _BOOL and text not in ("true", "false"):
            raise _error(
                self.rule,
                tok.start_pos or 0,
                f"{spec.canonical} compares to true or false, not {enum_token(str(tok))}",
            )
        return text


_ALLOWED_LIST: Final = [
    *(s.canonical for s in _DEVICE_PROPERTIES.values() if not s.canonical.startswith("extension")),
    "extensionAttribute1..15",
]


def _pos(value: Tree[Token] | Token) -> int:
    if isinstance(value, Token):
        return value.start_pos or 0
    first = value.children[0] if value.children else None
    if isinstance(first, Token) and first.start_pos is not None:
        return first.start_pos
    return 0


def _unescape_double(inner: str) -> str:
    """Backtick escapes an embedded double quote (and a backtick); other backticks are literal."""
    if "`" not in inner:
        return inner
    out: list[str] = []
    i = 0
    while i < len(inner):
        c = inner[i]
        if c == "`" and i + 1 < len(inner):
            nxt = inner[i + 1]
            out.append(nxt if nxt in '"`' else c + nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---- closures --------------------------------------------------------------------------------


def _all(children: list[_Node]) -> _Node:
    if len(children) == 2:
        a, b = children
        return lambda env: a(env) and b(env)
    nodes = tuple(children)

    def node(env: _Env) -> bool:
        return all(child(env) for child in nodes)

    return node


def _any(children: list[_Node]) -> _Node:
    if len(children) == 2:
        a, b = children
        return lambda env: a(env) or b(env)
    nodes = tuple(children)

    def node(env: _Env) -> bool:
        return any(child(env) for child in nodes)

    return node


def _negate(child: _Node) -> _Node:
    return lambda env: not child(env)


def _null_check(key: str, negated: bool) -> _Node:
    if negated:
        return lambda env: env[key] is not None
    return lambda env: env[key] is None


def _scalar_test(base: str, operand: str | frozenset[str]) -> Callable[[str], bool]:
    """String semantics: case-insensitive (both sides already case-folded), substring contains."""
    if base == "eq":
        return lambda s: s == operand
    if base == "startswith":
        assert isinstance(operand, str)
        return lambda s: s.startswith(operand)
    if base == "endswith":
        assert isinstance(operand, str)
        return lambda s: s.endswith(operand)
    if base == "contains":
        assert isinstance(operand, str)
        return lambda s: operand in s
    assert isinstance(operand, frozenset)
    return lambda s: s in operand


def _comparison(
    key: str, base: str, negated: bool, operand: str | frozenset[str], kind: str
) -> _Node:
    """One comparison with the CA-3 null rule: on a null value positive operators are false and
    negative operators true; otherwise a negative operator is the complement of its positive."""
    scalar = _scalar_test(base, operand)
    # collections: -contains (and tolerated -eq) is a whole-element match (CA-3)
    element = (lambda s: s == operand) if base in ("eq", "contains") else scalar

    if kind == _COLLECTION:

        def test(v: str | tuple[str, ...]) -> bool:
            return any(map(element, v)) if isinstance(v, tuple) else element(v)

    elif kind == _DYNAMIC:

        def test(v: str | tuple[str, ...]) -> bool:
            return any(map(element, v)) if isinstance(v, tuple) else scalar(v)

    else:

        def test(v: str | tuple[str, ...]) -> bool:
            return any(map(scalar, v)) if isinstance(v, tuple) else scalar(v)

    if negated:

        def node(env: _Env) -> bool:
            v = env[key]
            return True if v is None else not test(v)

    else:

        def node(env: _Env) -> bool:
            v = env[key]
            return False if v is None else test(v)

    return node


# ---- device values ---------------------------------------------------------------------------


def _norm_scalar(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v.casefold()
    return str(v).casefold()


def _norm(v: object) -> _Value:
    """Device value -> case-folded text, tuple of text (collections) or None (null)."""
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(s for s in map(_norm_scalar, v) if s is not None)
    return _norm_scalar(v)


def _lower_keys(device: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in device.items():
        out.setdefault(str(k).lower(), v)
    return out


def _extension_attributes_available(
    device: Mapping[str, object], lowered: dict[str, object]
) -> bool:
    """CA-3 table: extensionAttribute1-15 values are only available at evaluation if the device is
    Intune managed (mdmAppId set), compliant (isCompliant true) or hybrid joined (ServerAD)."""

    def get(canonical: str) -> object:
        if canonical in device:
            return device[canonical]
        return lowered.get(canonical.lower())

    if _norm(get("mdmAppId")) not in (None, "", ()):
        return True
    if _norm(get("isCompliant")) == "true":
        return True
    return _norm(get("trustType")) == "serverad"


def _make_evaluator(
    root: _Node, props: tuple[tuple[str, str], ...], *, device_mode: bool
) -> Callable[[Mapping[str, object] | None], bool]:
    keys = tuple((canonical, low) for low, canonical in props)
    extension_keys = (
        tuple(low for _, low in keys if low.startswith(_EXTENSION_PREFIX)) if device_mode else ()
    )
    # Unregistered device: every property null, so the answer is a constant.
    unregistered = root(dict.fromkeys((low for _, low in keys), None))

    def evaluate(device: Mapping[str, object] | None) -> bool:
        if device is None:
            return unregistered
        env: _Env = {}
        lowered: dict[str, object] | None = None
        for canonical, low in keys:
            if canonical in device:
                env[low] = _norm(device[canonical])
            else:
                if lowered is None:
                    lowered = _lower_keys(device)
                env[low] = _norm(lowered.get(low))
        if extension_keys:
            if lowered is None:
                lowered = _lower_keys(device)
            if not _extension_attributes_available(device, lowered):
                for low in extension_keys:
                    env[low] = None
        return root(env)

    return evaluate
