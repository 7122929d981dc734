"""What core calls on a component: the contracts a plugin author writes against.

Each is a Protocol, so a class with the right methods works as it is; our own
components subclass theirs to declare it, which lets a type checker hold them
to it and makes a missing method fail at instantiation, not mid-build. Every
component class is instantiated without arguments, once per build.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from marshmallow import Schema

    from osc_build.artifact import Artifact
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator


@runtime_checkable
class Builder(Protocol):
    """``osc_build.builders``: registered as the pluggy plugin of its build.

    Implement the methods with ``@osc_build.hookimpl``; add ``osc_build_prepare(self, ctx)``
    to check options together before any cloud call (``docs/hooks.md``).
    """

    @abstractmethod
    def osc_build_config_schema(self) -> type[Schema]:
        """The marshmallow schema of the options (an ``osc_build.config.OptionsSchema``)."""

    @abstractmethod
    def osc_build_run(self, ctx: BuildContext) -> Artifact:
        """Run the build's steps, tracking every resource in ``ctx.resources``."""


@runtime_checkable
class DataSource(Protocol):
    """``osc_build.datasources``: the ``data "<name>" "x" {}`` blocks of a template."""

    schema: ClassVar[type[Schema] | None] = None  # options; None: the raw mapping

    @abstractmethod
    def execute(self, options: Any) -> dict[str, Any]:
        """Look the data up; the returned mapping is ``data.<name>.x.<key>`` in the template."""


@runtime_checkable
class Provisioner(Protocol):
    """``osc_build.provisioners``: run on the machine through the builder's communicator."""

    schema: ClassVar[type[Schema] | None] = None  # options; None: the raw mapping

    @abstractmethod
    def provision(self, ctx: BuildContext, communicator: Communicator,
                  config: Mapping[str, Any]) -> None:
        """Change the machine; raise ``osc_build.errors.BuildError`` to fail the build."""


@runtime_checkable
class PostProcessor(Protocol):
    """``osc_build.post_processors``: run on the artifact of a successful build."""

    schema: ClassVar[type[Schema] | None] = None  # options; None: the raw mapping

    @abstractmethod
    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: Mapping[str, Any]) -> Artifact | None:
        """Return a new artifact for the next post-processor of the chain, or None to keep it."""


@runtime_checkable
class CommunicatorPlugin(Protocol):
    """``osc_build.communicators``: a way into the machine other than ssh (e.g. ``winrm``).

    Selected by the builder's ``communicator`` option; its options are declared in
    :class:`osc_build.communicators.CommunicatorOptionsSchema` (one place for every builder).
    """

    @abstractmethod
    def connect(self, ctx: BuildContext, host: str, options: Any, *,
                private_key_pem: str | None = None, password: str | None = None
                ) -> Communicator:
        """Wait until the machine answers (the communicator's timeout) and return a
        communicator that runs commands and moves files (``osc_build.provision.Communicator``)."""
