"""The final report of ``osc-build build``: errors, cleanup and artifacts, as Packer prints them."""

from __future__ import annotations


def print_outcome(results: list, elapsed: float, *, machine_readable: bool = False) -> None:
    """Packer's summary; with ``-machine-readable`` also its error and artifact records."""
    from osc_build.ui import MachineUi

    out = MachineUi(machine_readable)
    out.say(f"==> Wait completed after {_duration(elapsed)}")
    failed = [r for r in results if r.error is not None]
    if failed:
        out.machine("", "error-count", str(len(failed)))
        out.error("\n==> Some builds didn't complete successfully and had errors:")
        for result in failed:
            message = str(result.error).strip() or (
                "interrupted" if isinstance(result.error, KeyboardInterrupt)
                else type(result.error).__name__)
            out.machine(result.name, "error", message)
            out.error(f"--> {result.name}: {message.splitlines()[0]}")
    _print_resources(out, results)
    built = [r for r in results if r.artifact is not None]
    if built:
        out.say("\n==> Builds finished. The artifacts of successful builds are:")
        for result in built:
            artifacts = [result.artifact, *result.post_artifacts]
            out.machine(result.name, "artifact-count", str(len(artifacts)))
            for index, artifact in enumerate(artifacts):
                _machine_artifact(out, result.name, str(index), artifact)
                out.say(f"--> {result.name}: {artifact}")
    else:
        out.say("\n==> Builds finished but no artifacts were created.")


def _print_resources(out, results: list) -> None:
    """What the failed builds deleted, could not delete, or left in place on purpose."""
    cleaned = [(r.name, item) for r in results for item in r.cleaned]
    if cleaned:
        out.say("\n==> Deleted the temporary resources of failed builds:")
        for name, item in cleaned:
            out.say(f"--> {name}: {item}")
    leaked = [(r.name, leak) for r in results for leak in r.leaked]
    if leaked:
        out.error("\n==> Could not delete these temporary resources; delete them by hand:")
        for name, leak in leaked:
            out.error(f"--> {name}: {leak}")
        for command in dict.fromkeys(r.leftovers_command for r in results
                                     if r.leaked and r.leftovers_command):
            out.error(f"==> To delete them later: {command}")
    kept = [(r.name, item) for r in results for item in r.kept]
    if kept:
        modes = sorted({r.kept_by for r in results if r.kept})
        out.say(f"\n==> Left in place (on-error={', '.join(modes)}):")
        for name, item in kept:
            out.say(f"--> {name}: {item}")


def _machine_artifact(out, name: str, index: str, artifact) -> None:
    """Packer's ``artifact`` records of one artifact (``nil`` when nothing was made)."""
    if artifact.empty:
        out.machine(name, "artifact", index, "nil")
    else:
        out.machine(name, "artifact", index, "builder-id", artifact.builder_id)
        out.machine(name, "artifact", index, "id", artifact.id)
        out.machine(name, "artifact", index, "string", str(artifact))
        out.machine(name, "artifact", index, "files-count", str(len(artifact.files)))
        for file_index, path in enumerate(artifact.files):
            out.machine(name, "artifact", index, "file", str(file_index), path)
    out.machine(name, "artifact", index, "end")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    millis = int((seconds - int(seconds)) * 1000)
    parts = [f"{minutes} minutes"] if minutes else []
    parts.append(f"{secs} seconds {millis} milliseconds")
    return " ".join(parts)
