"""Which task failed on which host, read from ansible-playbook's streamed output."""

from __future__ import annotations

from osc_build_ansible.play_output import PlayWatcher

FAILED_RUN = """\
PLAY [web] *****
TASK [Gathering Facts] *****
ok: [default]
TASK [Install Apache] *****
fatal: [default]: FAILED! => {"changed": false, "msg": "No package matching 'apache3' is available"}
PLAY RECAP *****
"""


def watch(text: str) -> tuple[PlayWatcher, list[str]]:
    shown: list[str] = []
    watcher = PlayWatcher(shown.append)
    for line in text.splitlines():
        watcher(line)
    return watcher, shown


def test_a_failed_task_is_named_with_its_host_and_message():
    watcher, shown = watch(FAILED_RUN)
    assert shown == FAILED_RUN.splitlines()  # every line is shown as it comes
    assert watcher.explain(2) == ('task "Install Apache" failed on host default: No package '
                                  "matching 'apache3' is available (ansible-playbook exited "
                                  "with status 2)")


def test_an_ignored_failure_does_not_count_but_a_later_one_does():
    watcher, _ = watch("TASK [try] ***\n"
                       'fatal: [default]: FAILED! => {"msg": "nope", "rc": 1}\n'
                       "...ignoring\n"
                       "TASK [Loop] ***\n"
                       'failed: [vm] (item=b) => {"msg": "bad item", "rc": 4}\n')
    assert watcher.explain(2).startswith('task "Loop" failed on host vm: bad item (rc 4)')


def test_unreachable_host_and_handler_names():
    watcher, _ = watch("RUNNING HANDLER [restart apache] ***\n"
                       "fatal: [default]: UNREACHABLE! => {\"msg\": \"ssh: connect refused\"}\n")
    assert watcher.explain(4).startswith(
        'task "restart apache" could not reach host default: ssh: connect refused')


def test_an_error_before_any_task_is_the_cause():
    watcher, _ = watch("[ERROR]: the playbook: x.yml could not be found\n")
    assert watcher.explain(1) == ("the playbook: x.yml could not be found (ansible-playbook "
                                  "exited with status 1)")
    assert watch("")[0].explain(3) == "see its output above (ansible-playbook exited with status 3)"
