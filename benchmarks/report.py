"""benchmarks/RESULTS.md from results.json: one table per benchmark, targets marked."""

from __future__ import annotations


def _mark(met) -> str:
    return {True: "met", False: "**missed**", None: "-"}[met]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _cli(data: dict) -> list[str]:
    lines = ["## 1. CLI start", "", data.get("note", ""), "",
             "| command | median | min | max | no bytecode (median) | target | |",
             "|---|---|---|---|---|---|---|"]
    for entry in data.values():
        if not isinstance(entry, dict) or "command" not in entry:
            continue
        s, cold = entry["seconds"], entry.get("no_bytecode_seconds")
        target = _ms(entry["target_seconds"]) if entry["target_seconds"] else "-"
        lines.append(f"| `{entry['command']}` | {_ms(s['median'])} | {_ms(s['min'])} | "
                     f"{_ms(s['max'])} | {_ms(cold['median']) if cold else '-'} | {target} | "
                     f"{_mark(entry['met'])} |")
    imports = data.get("validate_imports") or []
    if imports:
        lines += ["", "Slowest top-level imports of `validate` (cumulative, `-X importtime`): "
                  + ", ".join(f"{row['module']} {row['ms']} ms" for row in imports)]
    return lines


def _loads(sections: dict) -> list[str]:
    """When each section's numbers were measured, and how busy the machine was."""
    if not sections:
        return []
    lines = ["| section | measured | load before | load after |", "|---|---|---|---|"]
    for name, entry in sections.items():
        lines.append(f"| {name} | {entry['finished_at']} | {entry['load_before']} | "
                     f"{entry['load_after']} |")
    lines += ["", "Numbers of sections not in this table come from earlier runs that did not "
              "record their load."]
    return [*lines, ""]


def _packer(data: dict) -> list[str]:
    lines = ["## 1b. osc-build against Debian's packer", "",
             f"{data['packer']}; {data['note']}; load average {data['load_before']} before, "
             f"{data['load_after']} after, {data['cores']} cores.", "",
             "| command | median | packer command | median | ratio | CPU ratio | target | |",
             "|---|---|---|---|---|---|---|---|"]
    for name in ("validate", "version"):
        entry = data.get(name)
        if entry:
            lines.append(f"| `{entry['command']}` | {_ms(entry['osc_build_seconds']['median'])} | "
                         f"`{entry['packer_command']}` | "
                         f"{_ms(entry['packer_seconds']['median'])} | {entry['ratio']:.2f} | "
                         f"{entry['cpu_ratio']:.2f} | <= {entry['target_ratio']:.1f} | "
                         f"{_mark(entry['met'])} |")
    return lines


def _first(data: dict) -> list[str]:
    s = data["seconds"]
    return ["## 2. Process start to the first API request", "",
            "| median | min | max | runs | target | |", "|---|---|---|---|---|---|",
            f"| {_ms(s['median'])} | {_ms(s['min'])} | {_ms(s['max'])} | {s['runs']} | "
            f"{_ms(data['target_seconds'])} | {_mark(data['met'])} |"]


def _overhead(instant: dict, ours: dict, fixed: dict) -> list[str]:
    s = instant["seconds"]
    lines = ["## 3. Build overhead", "",
             f"`instant` profile, real VM, SSH and a one-line shell provisioner: median "
             f"{s['median']:.2f} s (min {s['min']:.2f}, max {s['max']:.2f}, {s['runs']} runs), "
             f"{instant['calls']} API calls.", "",
             "`realistic` profile (no communicator), against the critical path of the "
             "simulator's latencies (boot, stop, OMI, terminate):", "",
             "| poll schedule | wall | critical path | overhead | overhead % | target |",
             "|---|---|---|---|---|---|"]
    for name, entry in (("expected-time (ours)", ours), ("fixed 2 s (Go plugin)", fixed)):
        if entry:
            lines.append(f"| {name} | {entry['seconds']:.1f} s | {entry['critical_path_s']:.0f} s"
                         f" | {entry['overhead_s']:.1f} s | {entry['overhead_pct']:.1f} % | "
                         f"<= 5 % {_mark(entry['overhead_pct'] <= 5)} |")
    return lines


def _calls(ours: dict, fixed: dict) -> list[str]:
    if not ours or not fixed:
        return []
    operations = sorted(set(ours["calls_by_operation"]) | set(fixed["calls_by_operation"]))
    lines = ["## 4. API calls per build (realistic profile, request log)", "",
             "| operation | expected-time schedule | fixed 2 s poll |", "|---|---|---|"]
    for operation in operations:
        lines.append(f"| {operation} | {ours['calls_by_operation'].get(operation, 0)} | "
                     f"{fixed['calls_by_operation'].get(operation, 0)} |")
    lines.append(f"| **all** | **{ours['calls']}** | **{fixed['calls']}** |")
    lines.append(f"| polls of the waits | {ours['poll_calls']} | {fixed['poll_calls']} |")
    lines += ["", "| wait | polls (ours) | latency (ours) | polls (fixed 2 s) | "
              "latency (fixed 2 s) |", "|---|---|---|---|---|"]
    for mine, theirs in zip(ours["waits"], fixed["waits"], strict=False):
        lines.append(f"| {mine['transition']} ({mine['seconds']:.0f} s) | {mine['polls']} | "
                     f"{mine['detection_latency_s']:.2f} s | {theirs['polls']} | "
                     f"{theirs['detection_latency_s']:.2f} s |")
    lines.append(f"| mean latency | | {ours['mean_detection_latency_s']:.2f} s | | "
                 f"{fixed['mean_detection_latency_s']:.2f} s |")
    ratio = ours["poll_calls"] / max(fixed["poll_calls"], 1)
    total = ours["calls"] / max(fixed["calls"], 1)
    lines += ["", f"Polls: {ratio:.0%} of the fixed 2 s poll's; all calls: {total:.0%}. "
              "Detection latency: time from the resource reaching its state (start of its "
              "transition + the profile's duration) to the poll that sees it."]
    return lines


def _parallel(data: dict, instant: dict | None) -> list[str]:
    lines = ["## 5. Parallel builds (realistic profile, one `osc-build build`)", "",
             "| sources | wall | ratio to 1 | API calls | peak RSS |", "|---|---|---|---|---|"]
    for count, entry in sorted(data["by_sources"].items(), key=lambda item: int(item[0])):
        lines.append(f"| {count} | {entry['seconds']:.1f} s | {entry['ratio_to_1']:.3f} | "
                     f"{entry['calls']} | {entry['peak_rss_mib']:.0f} MiB |")
    lines += ["", f"Target: 8 builds <= 1.3 x the wall time of 1: {_mark(data['met'])}."]
    eight = (instant or {}).get("eight_parallel")
    if eight:
        lines += ["", f"On `instant` with real VMs, SSH and the shell provisioner (all CPU, 2 "
                  f"cores): 8 sources take {eight['seconds']:.1f} s against "
                  f"{instant['seconds']['median']:.1f} s for one."]
    return lines


def _memory(results: dict) -> list[str]:
    lines = ["## 6. Memory (peak RSS)", "", "| what | peak RSS | target |", "|---|---|---|"]
    instant = results.get("instant_build")
    if instant:
        rss = instant["peak_rss_mib"]["median"]
        lines.append(f"| one build (instant, SSH + shell) | {rss:.0f} MiB | <= 120 MB "
                     f"{_mark(rss * 1.048576 <= 120)} |")
    eight_ssh = (instant or {}).get("eight_parallel")
    if eight_ssh:
        lines.append(f"| 8 parallel builds (instant, SSH + shell, one process) | "
                     f"{eight_ssh['peak_rss_mib']:.0f} MiB | - |")
    eight = (results.get("parallel") or {}).get("by_sources", {}).get("8")
    if eight:
        lines.append(f"| 8 parallel builds (realistic, no communicator) | "
                     f"{eight['peak_rss_mib']:.0f} MiB | - |")
    sim = results.get("simulator_memory")
    if sim:
        lines.append(f"| simulator with {sim['vms']} running VMs | "
                     f"{sim['simulator_peak_rss_mib']:.0f} MiB (+ {sim['vm_processes']} VM "
                     f"processes, {sim['vm_processes_rss_mib']:.0f} MiB) | - |")
    return lines


def _simulator(results: dict) -> list[str]:
    lines = ["## 7. Simulator", "", "| benchmark | result | target | |", "|---|---|---|---|"]
    reads = results.get("simulator_reads")
    if reads:
        for key, entry in reads.items():
            if key.endswith("_clients"):
                lines.append(f"| signed ReadVms, {key.replace('_', ' ')} | "
                             f"{entry['requests_per_s']:.0f} req/s | >= 500 req/s | "
                             f"{_mark(entry['requests_per_s'] >= 500)} |")
    boot = results.get("simulator_boot")
    if boot:
        lines.append(f"| VM boot to SSH banner (instant) | {_ms(boot['seconds']['median'])} | "
                     f"<= 1 s | {_mark(boot['met'])} |")
    guest = results.get("real_guest")
    if guest:
        lines.append(f"| real Debian 12 guest: first image build (mmdebstrap) | "
                     f"{guest['first_image_build_seconds']:.0f} s | once per cache | - |")
        lines.append(f"| real Debian 12 guest: boot to SSH banner (systemd, instant) | "
                     f"{_ms(guest['boot']['seconds']['median'])} | <= 1 s | "
                     f"{_mark(guest['boot']['met'])} |")
    snap = results.get("simulator_snapshot")
    if snap:
        lines.append(f"| snapshot of a 10 GiB sparse volume, 200 MB written | "
                     f"{_ms(snap['seconds']['median'])} | <= 2 s | {_mark(snap['met'])} |")
    return lines


def markdown(results: dict) -> str:
    machine = results.get("machine", {})
    out = ["# osc-build benchmarks", "",
           "Produced by `uv run python benchmarks/run.py`; raw numbers in `results.json`.", "",
           f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, "
           f"{machine.get('memory_gib')} GiB, Linux {machine.get('kernel')}, "
           f"Python {machine.get('python')}.", "",
           f"Last run {results.get('finished_at', '?')}; load average (1, 5, 15 min) at its "
           f"start {results.get('load_at_start')}, at its end {results.get('load_at_end')}.", "",
           *_loads(results.get("sections") or {})]
    sections = [
        _cli(results["cli_start"]) if "cli_start" in results else [],
        _packer(results["packer_compare"]) if "packer_compare" in results else [],
        _first(results["first_request"]) if "first_request" in results else [],
        _overhead(results.get("instant_build", {"seconds": {"median": 0, "min": 0, "max": 0,
                                                            "runs": 0}, "calls": 0}),
                  results.get("realistic_build", {}), results.get("realistic_build_fixed_poll",
                                                                  {})),
        _calls(results.get("realistic_build", {}), results.get("realistic_build_fixed_poll", {})),
        _parallel(results["parallel"], results.get("instant_build"))
        if "parallel" in results else [],
        _memory(results),
        _simulator(results),
    ]
    for section in sections:
        if section:
            out += [*section, ""]
    return "\n".join(out).rstrip() + "\n"
