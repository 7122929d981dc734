"""Running the prepared builds: one after the other, or in threads that Ctrl-C cancels."""

from __future__ import annotations

import sys


def run_all(prepared: list, parallel: int) -> list:
    """Run the builds, in threads when there are several; Ctrl-C cancels them all."""
    from osc_build import runner

    if len(prepared) == 1 or parallel == 1:
        results = []
        for item in prepared:  # one after the other: a Ctrl-C stops the rest from starting
            results.append(runner.run(item))
            if interrupted(results[-1]):
                break
        return results
    return _run_in_threads(prepared, parallel)


def _run_in_threads(prepared: list, parallel: int) -> list:
    """Only the main thread gets signals: it cancels the builds, and asks for all of them.

    The first Ctrl-C cancels every build (each unwinds its own undo log); a
    second one during their cleanup asks once whether to abandon it, for all.
    """
    from concurrent.futures import ThreadPoolExecutor, wait

    from osc_build import resources, runner

    logs = [item.ctx.resources for item in prepared]
    with ThreadPoolExecutor(max_workers=parallel or len(prepared)) as pool:
        futures = [pool.submit(runner.run, item) for item in prepared]
        interrupts, abandoned = 0, False
        pending = set(futures)
        while pending:
            try:
                _, pending = wait(pending, timeout=0.1)
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    for item in prepared:
                        item.ctx.cancelled.set()
                    continue
                if abandoned:  # deletions under way end on their own; then the ids are listed
                    _say_under_way(logs, "Cleanup abandoned; waiting for the deletions under way")
                    continue
                left = "; ".join(f"{item.ctx.name}: {resources.names(remaining)}"
                                 for item in prepared
                                 if (remaining := item.ctx.resources.remaining))
                if not left or not resources.ask_abandon(left):
                    continue
                abandoned = True
                for log in logs:
                    log.abandon()
                _say_under_way(logs, "Abandoning cleanup once the deletions under way end")
        return [f.result() for f in futures]


def _say_under_way(logs: list, message: str) -> None:
    """``message``, with the deletions the builds' unwinds are making now, if any."""
    from osc_build.resources import names

    under_way = [entry for log in logs if (entry := log.under_way)]
    if under_way:
        print(f"==> {message}: {names(under_way)}", file=sys.stderr, flush=True)


def interrupted(result) -> bool:
    """Whether a build ended because it was interrupted (Ctrl-C, SIGTERM)."""
    from osc_build.errors import Interrupted

    return isinstance(result.error, KeyboardInterrupt | Interrupted)
