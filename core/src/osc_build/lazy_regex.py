"""marshmallow's e-mail regexes compiled when first used, not when marshmallow is imported.

``marshmallow.validate`` compiles ``Email.USER_REGEX`` and ``Email.DOMAIN_REGEX`` in its class
body; the domain one spans every non-ASCII character (``\\u00a1-\\uffff``) and costs about
20 ms, a sixth of ``osc-build validate``, for a validator no option of ours uses. The CLI
installs an import hook that, while ``marshmallow.validate`` executes, hands out patterns that
compile on first use: ``Email`` behaves the same, only later.
"""

from __future__ import annotations

import importlib.machinery
import re
import sys

MODULE = "marshmallow.validate"
_SLOW = "\u00a1-\uffff"  # marshmallow.validate._UNICODE_LETTERS


class LazyPattern:
    """A ``re.Pattern`` compiled on first attribute access (``match``, ``pattern``...)."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern, flags):
        self._args = (pattern, flags)
        self._compiled = None

    def _pattern(self) -> re.Pattern:
        if self._compiled is None:  # two threads may both compile: the same pattern
            self._compiled = _compile(*self._args)
        return self._compiled

    def __getattr__(self, name):
        if name.startswith("__") and not hasattr(re.Pattern, name):
            # what class creation asks of every attribute (ABC: __isabstractmethod__)
            raise AttributeError(name)
        return getattr(self._pattern(), name)

    def __repr__(self) -> str:
        return repr(self._pattern())


_compile = re.compile


def _lazy_compile(pattern, flags=0):
    if isinstance(pattern, str) and _SLOW in pattern:
        return LazyPattern(pattern, flags)
    return _compile(pattern, flags)


class _Loader:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        re.compile = _lazy_compile
        try:
            self._loader.exec_module(module)
        finally:
            re.compile = _compile
            # its one job done (every finder's find_spec is over by now: safe to remove)
            sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]

    def __getattr__(self, name):  # get_code, get_source... for tracebacks and tools
        return getattr(self._loader, name)


class _Finder:
    def find_spec(self, fullname, path, target=None):
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Defer marshmallow's e-mail regexes (no effect once ``marshmallow.validate`` is loaded)."""
    if MODULE not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
