"""Collection functions: lists, maps, sets and type conversion (tolist, tomap...)."""

from __future__ import annotations

from ..types import ANY, convert
from ..values import distinct, equal, to_bool, to_number, to_string, type_name


def _list(value: object, name: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list, tuple or set, not {type_name(value)}")
    return value


def _map(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a map or object, not {type_name(value)}")
    return value


def length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | dict):
        return len(value)
    raise ValueError(f"argument must be a string, a collection type, or a structural type, "
                     f"not {type_name(value)}")


def lookup(mapping: object, key: object, *default: object) -> object:
    mapping = _map(mapping, "first argument")
    key = to_string(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise ValueError(f'the given object has no attribute "{key}"')


def element(items: object, index: object) -> object:
    items = _list(items, "first argument")
    if not items:
        raise ValueError("cannot use element function with an empty list")
    position = int(to_number(index))
    if position < 0:
        raise ValueError("cannot use element function with a negative index")
    return items[position % len(items)]


def coalesce(*values: object) -> object:
    for value in values:
        if value is not None and value != "":
            return value
    raise ValueError("no non-null, non-empty-string arguments")


def flatten(items: object) -> list:
    out: list = []
    for item in _list(items, "argument"):
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def slice_(items: object, start: object, end: object) -> list:
    items = _list(items, "first argument")
    first, last = int(to_number(start)), int(to_number(end))
    if first < 0 or last > len(items) or first > last:
        raise ValueError(f"invalid slice indices {first}:{last} for a list of {len(items)} "
                         "elements")
    return items[first:last]


def merge(*maps: object) -> dict:
    out: dict = {}
    for mapping in maps:
        if mapping is not None:
            out.update(_map(mapping, "arguments"))
    return out


def toset(items: object) -> list:
    return convert(_list(items, "argument"), ("set", ANY))


def tomap(value: object) -> dict:
    return dict(_map(value, "argument"))


def index_of(items: object, value: object) -> int:
    for position, item in enumerate(_list(items, "first argument")):
        if equal(item, value):
            return position
    raise ValueError("item not found")


def range_(*args: object) -> list:
    numbers = [to_number(a) for a in args]
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (
        numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else (
            1 if numbers[1] >= numbers[0] else -1))
    out = []
    value = start
    while (step > 0 and value < stop) or (step < 0 and value > stop):
        out.append(value)
        value += step
    return out


def setproduct(*sets: object) -> list:
    """Every combination of one element from each argument, in order."""
    import itertools

    lists = [_list(s, "arguments") for s in sets]
    if not lists:
        raise ValueError("at least one argument is required")
    return [list(combination) for combination in itertools.product(*lists)]


def setsubtract(first: object, second: object) -> list:
    removed = _list(second, "second argument")
    return toset([i for i in _list(first, "first argument")
                  if not any(equal(i, r) for r in removed)])


def one(items: object) -> object:
    """The only element of a list or set, null for an empty one; more is an error."""
    items = _list(items, "argument")
    if len(items) > 1:
        raise ValueError(f"must be a list, set, or tuple value with either zero or one "
                         f"elements; got {len(items)}")
    return items[0] if items else None


FUNCTIONS = {
    "concat": lambda *lists: [item for lst in lists for item in _list(lst, "arguments")],
    "merge": merge,
    "lookup": lookup,
    "keys": lambda m: sorted(_map(m, "argument")),
    "values": lambda m: [m[k] for k in sorted(_map(m, "argument"))],
    "length": length,
    "element": element,
    "contains": lambda items, value: any(equal(i, value) for i in _list(items, "argument")),
    "coalesce": coalesce,
    "coalescelist": lambda *lists: next((x for x in lists if x), []),
    "compact": lambda items: [i for i in _list(items, "argument") if i not in (None, "")],
    "flatten": flatten,
    "distinct": lambda items: distinct(_list(items, "argument")),
    "slice": slice_,
    "reverse": lambda items: list(reversed(_list(items, "argument"))),
    "sort": lambda items: sorted(to_string(i) for i in _list(items, "argument")),
    "index": index_of,
    "range": range_,
    "zipmap": lambda ks, vs: {to_string(k): v for k, v in zip(ks, vs, strict=True)},
    "chunklist": lambda items, size: [items[i:i + int(size)]
                                      for i in range(0, len(items), int(size) or 1)],
    "setproduct": setproduct,
    "setsubtract": setsubtract,
    "one": one,
    "setunion": lambda *sets: toset([i for s in sets for i in s]),
    "setintersection": lambda first, *rest: toset(
        [i for i in first if all(any(equal(i, x) for x in s) for s in rest)]),
    "alltrue": lambda items: all(to_bool(i) for i in items),
    "anytrue": lambda items: any(to_bool(i) for i in items),
    "sum": lambda items: sum(to_number(i) for i in items),
    "tostring": lambda v: None if v is None else to_string(v),
    "tonumber": lambda v: None if v is None else to_number(v),
    "tobool": lambda v: None if v is None else to_bool(v),
    "tolist": lambda v: list(_list(v, "argument")),
    "toset": toset,
    "tomap": tomap,
}
