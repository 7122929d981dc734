"""The ``shell-local`` post-processor: run local scripts once the artifact exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from osc_build.interfaces import PostProcessor
from osc_build.provisioners.shell_local import ShellLocalOptionsSchema, run_local_scripts

if TYPE_CHECKING:
    from osc_build.artifact import Artifact
    from osc_build.context import BuildContext


class ShellLocalPostProcessor(PostProcessor):
    """Runs scripts on the machine running osc-build after the build (tests, notifications).

    Besides PACKER_BUILD_NAME and PACKER_BUILDER_TYPE, the scripts get
    OSC_BUILD_ARTIFACT_ID (``region:omi-id`` pairs, comma-separated).
    """

    schema = ShellLocalOptionsSchema

    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: Any) -> Artifact:
        run_local_scripts(ctx, config, extra_env={"OSC_BUILD_ARTIFACT_ID": artifact.id})
        return artifact
