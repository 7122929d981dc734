"""python-hcl2's lark parser, built once and kept pickled between runs.

Loading it from lark's own cache rebuilds every rule and the parse table in Python
(about 55 ms a process, a third of ``osc-build validate``); unpickling the built
parser takes about 20 ms. Any doubt (other versions, a foreign or damaged file)
means building it the normal way; the cache only ever saves time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import logging
import pickle
import sys
import types
from pathlib import Path

from lark import Lark
from lark.parsers import lalr_analysis

from osc_build.cache import cache_dir, load_pickle, write_private

log = logging.getLogger(__name__)

_FORMAT = 1  # bump when what is pickled changes


@functools.cache
def hcl_parser() -> Lark:
    """The HCL2 parser: from the pickle when it is there and ours, else built and stored."""
    path = cache_file(cache_dir())
    parser = load_pickle(path, Lark)
    if parser is None:
        from hcl2.parser import parser as build

        parser = build()
        store(parser, path)
    return parser


def cache_file(directory: Path) -> Path:
    """A name that changes with anything that changes the built parser."""
    import hcl2
    import lark

    grammar = Path(hcl2.__file__).with_name("hcl2.lark").stat()
    key = (f"{_FORMAT}:{sys.version}:{lark.__version__}:{hcl2.__version__}:"
           f"{grammar.st_size}:{grammar.st_mtime_ns}")
    return directory / f"hcl2-parser-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pickle"


def store(parser: Lark, path: Path) -> None:
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)
        write_private(path, buffer.getvalue())
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
        log.debug("cannot cache the HCL parser in %s: %s", path.parent, err)


class _Pickler(pickle.Pickler):
    """Modules by name; lark's Shift/Reduce singletons (compared with ``is``) by name."""

    def reducer_override(self, obj):
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, lalr_analysis.Action):
            return getattr, (lalr_analysis, str(obj))
        return NotImplemented
