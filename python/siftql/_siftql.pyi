"""Type stubs of the native module (re-exported by ``siftql``)."""

from typing import Any, Iterable, Literal, Mapping, Optional, Tuple, Union, overload


FilterLike = Union[str, "Filter", Mapping[str, Any], Any]
# Every function and constructor takes the limits as keyword arguments:
# max_input_bytes, max_depth, max_nodes, max_list_len, max_regex_bytes,
# max_string_bytes (siftql::Limits; an unknown one is a TypeError).
"""DSL or JSON text, a Filter, a dict of filter JSON, or a model with
``to_dict()`` / ``model_dump()`` (the official client's request models)."""

class FilterError(ValueError):
    """A filter (or a value given with it) that siftql refuses.

    ``str()`` is the rendering with the source line and a caret."""

    code: str
    """The stable error code, e.g. ``"E0103"``."""
    message: str
    """The one-line message, without location or hint."""
    span: Optional[Tuple[int, int]]
    """The ``(start, end)`` byte range in the text, when known."""
    pointer: Optional[str]
    """The JSON pointer of a wire-format error (``/AND/0/operator``)."""
    help: Optional[str]
    """The hint, if any."""

class Filter:
    """A filter, parsed once. ``str()`` is the canonical DSL; equal filters
    compare and hash equal."""

    def __init__(
        self,
        filter: FilterLike,
        **limits: int,
    ) -> None: ...
    def to_dict(self) -> dict:
        """The canonical filter JSON as Python objects."""
    def to_json(self) -> str:
        """The canonical filter JSON text."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Predicate:
    """A filter compiled for evaluation; ``bindings`` gives dynamic values
    (``$inputs.q``) as JSON values."""

    def __init__(
        self,
        filter: FilterLike,
        bindings: Optional[Mapping[str, Any]] = None,
        **limits: int,
    ) -> None: ...
    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether a record (a dict, as ``json.loads`` gives) matches."""
    def filter(self, records: Iterable[Mapping[str, Any]]) -> list:
        """The matching records, in order."""
    def filter_lines(self, lines: Iterable[Union[str, bytes]]) -> list:
        """The matching JSON lines (the same objects), evaluated in batches
        with the interpreter released, on every core."""

def parse(dsl: str, **limits: int) -> dict:
    """The canonical filter JSON of a DSL (or JSON) filter."""

def loads(json: str, **limits: int) -> dict:
    """Filter JSON in any accepted form, checked strictly, as canonical
    Python objects."""

def to_dsl(filter: FilterLike, **limits: int) -> str:
    """The canonical one-line DSL."""

def to_json(filter: FilterLike, **limits: int) -> str:
    """The canonical filter JSON text."""

def check(
    filter: FilterLike, schema: Union[None, str, Mapping[str, Any]] = None, **limits: int
) -> list:
    """The warnings the filter draws against the schema (default: the
    cluster schema): dicts with code, message, span, pointer, help and
    rendered."""

@overload
def to_sql(
    filter: FilterLike,
    dialect: str = "postgres",
    schema: Union[None, str, Mapping[str, Any]] = None,
    inline: bool = False,
    bindings: Optional[Mapping[str, Any]] = None,
    recheck: Literal[False] = False,
    **limits: int,
) -> Tuple[str, list]: ...
@overload
def to_sql(
    filter: FilterLike,
    dialect: str = "postgres",
    schema: Union[None, str, Mapping[str, Any]] = None,
    inline: bool = False,
    bindings: Optional[Mapping[str, Any]] = None,
    *,
    recheck: Literal[True],
    **limits: int,
) -> Tuple[str, list, Optional[Predicate]]: ...
