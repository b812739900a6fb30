"""One flat namespace per subpackage, whichever file defines a public name.

Each subpackage's ``__init__`` calls :func:`publish` on its public names, as httpx
does: users, reprs, docs and pickles see ``community_marketing.optin.OptInRegistry``
rather than the private file behind it, and doctest, which keeps only the members of
the module it scans, runs every method's example once, under its public name.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["publish"]


def publish(package: str, *public: Any) -> None:
    """Set ``__module__`` of each public class or function (and a class's own methods).

    Other public names (constants, type aliases) have no module of their own: skipped, so a
    subpackage can pass its whole ``__all__``.
    """
    for item in public:
        if not (inspect.isclass(item) or inspect.isfunction(item)):
            continue
        home = item.__module__
        if inspect.isclass(item):
            for member in vars(item).values():
                function = getattr(member, "__func__", getattr(member, "fget", member))
                if inspect.isfunction(function) and function.__module__ == home:
                    function.__module__ = package
        item.__module__ = package
