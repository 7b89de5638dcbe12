"""Hostile input through the installed console script: bounded time and memory, the exit-code contract.

Every case of issue 11 runs ``kn-constructs`` as a subprocess under a wall-clock timeout and an
address-space limit (``RLIMIT_AS``), next to a known bad Service, and asserts the exit code, the
message, and that the bad Service's findings are still reported.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.lint.helpers import BAD_SERVICE, ROOT, cli

#: Address space each run may use: Python, PyYAML and the linter need about 300 MB at most here.
MEMORY_LIMIT = 1536 * 1024 * 1024
#: A guard against hangs, not a speed target: the largest cases take about 20 s on a quiet
#: two-core machine and must not fail when CI's other worker is busy.
TIMEOUT = 90
#: A finding of BAD_SERVICE: proof that the other inputs are still checked.
OTHER = f"{BAD_SERVICE.relative_to(ROOT)}:18: KNATIVE-FORBIDDEN-FIELD"


def _limits(close: tuple[int, ...] = ()) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        for fd in close:
            os.close(fd)

    return apply


def bomb(levels: int = 9, width: int = 10) -> list[str]:
    """Lines of a YAML alias bomb (``width ** levels`` nodes once expanded), as mapping entries."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return lines


def service_with(field_name: str) -> str:
    """A Knative Service whose pod spec field ``field_name`` holds an alias bomb."""
    inner = "\n".join(f"        {line}" for line in bomb())
    return (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: bomb}\nspec:\n  template:\n"
        f"    spec:\n      containers: [{{image: example/server}}]\n      {field_name}:\n{inner}\n"
    )


def configmap_bomb() -> str:
    """config-features with an alias bomb in its data."""
    inner = "\n".join(f"  {line}" for line in bomb())
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-features, namespace: knative-serving}\n"
        f"data:\n{inner}\n"
    )


def nested(depth: int, leaf: str = "x") -> str:
    """A block mapping nested ``depth`` levels deep."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}{leaf}\n"


def services(megabytes: float) -> str:
    """Knative Services with findings, about ``megabytes`` MB of YAML."""
    template = (
        "apiVersion: serving.knative.dev/v1\nkind: Service\n"
        "metadata:\n  name: chat-{i}\n  namespace: models\n"
        "spec:\n  template:\n    metadata:\n      annotations:\n"
        '        autoscaling.knative.dev/window: "{w}s"\n        autoscaling.knative.dev/max-scale: "4"\n'
        "    spec:\n      containerConcurrency: 1\n      containers:\n        - name: server\n"
        "          image: ghcr.io/example/server:{i}\n"
        '          args: ["--model", "/models/m{i}", "--port", "8080"]\n'
        '          env: [{{name: HF_HUB_OFFLINE, value: "1"}}]\n'
        '          resources: {{requests: {{cpu: "2", memory: 16Gi}}, limits: {{nvidia.com/gpu: 1}}}}\n'
        "          readinessProbe: {{httpGet: {{path: /health, port: 8080}}, periodSeconds: 1}}\n---\n"
    )
    parts, size, i = [], 0, 0
    while size < megabytes * 1e6:
        part = template.format(i=i, w=3 + i % 10)
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts)


def many_keys(count: int) -> str:
    """config-features with ``count`` unknown flags: one finding (and one line lookup) per key."""
    keys = "".join(f'  flag-{i}: "enabled"\n' for i in range(count))
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-features, namespace: knative-serving}\n"
        f"data:\n{keys}"
    )


def derivations_service(line: str) -> str:
    """A Knative Service whose derivations annotation is ``line``."""
    return (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hostile\n  annotations:\n"
        f"    kn-constructs.io/derivations: '{line}'\nspec:\n  template:\n    spec:\n"
        "      containers: [{image: example/server}]\n"
    )


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))  # the socket file stays after the socket is closed
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _app(folder: Path, config: str) -> Path:
    folder.mkdir()
    _write(folder / "cdk8s.yaml", config)
    return folder


@dataclass(frozen=True)
class Case:
    """One hostile run: the arguments (built in a temporary folder) and what it must report."""

    id: str
    args: Callable[[Path], list[str]]
    exit: int
    message: str
    other: bool = True
    close: tuple[int, ...] = ()
    stdout: str | None = None
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


BAD = str(BAD_SERVICE.relative_to(ROOT))
CASES = [
    Case(
        "alias-bomb-affinity",
        lambda t: ["lint", str(_write(t / "s.yaml", service_with("affinity"))), BAD],
        1,
        "LINT-YAML error <document>: YAML not read: aliases expand the document to",
    ),
    Case(
        "alias-bomb-node-selector",
        lambda t: ["lint", str(_write(t / "s.yaml", service_with("nodeSelector"))), BAD],
        1,
        "(an alias bomb?)",
    ),
    Case(
        "alias-bomb-configmap-data",
        lambda t: ["lint", str(_write(t / "cm.yaml", configmap_bomb())), BAD],
        1,
        "cm.yaml:1: LINT-YAML error",
    ),
    Case(
        "alias-bomb-cluster",
        lambda t: ["lint", "--cluster", str(_write(t / "cm.yaml", configmap_bomb())), BAD],
        1,
        "cm.yaml:1: LINT-YAML error <document>: YAML not read: aliases expand",
    ),
    Case(
        "fifo-input",
        lambda t: ["lint", str(_fifo(t / "pipe.yaml")), BAD],
        2,
        "pipe.yaml: not a regular file (a named pipe (FIFO)); not read",
    ),
    Case(
        "fifo-in-folder",
        lambda t: ["lint", str(_fifo(t / "pipe.yaml").parent), BAD],
        2,
        "pipe.yaml: not a regular file (a named pipe (FIFO)); not read",
    ),
    Case(
        "fifo-cluster",
        lambda t: ["lint", "--cluster", str(_fifo(t / "pipe.yaml")), BAD],
        2,
        "error: --cluster ",
    ),
    Case(
        "dev-zero",
        lambda t: ["lint", "/dev/zero", BAD],
        2,
        "/dev/zero: not a regular file (a character device)",
    ),
    Case("socket", lambda t: ["lint", str(_socket(t / "s.yaml")), BAD], 2, "s.yaml: not a regular file"),
    Case(
        "too-large",
        lambda t: ["lint", "--max-file-size", "16K", str(_write(t / "big.yaml", "# x\n" * 5000)), BAD],
        2,
        "big.yaml: larger than the limit of 16,384 bytes (20,000 bytes or more);"
        " raise it with --max-file-size",
    ),
    Case(
        "configmap-47k-keys",
        lambda t: ["lint", str(_write(t / "cm.yaml", many_keys(47_000))), BAD],
        1,
        'cm.yaml:47004: KNATIVE-CONFIGMAP warning data.flag-46999: unknown feature flag "flag-46999"',
        marks=(pytest.mark.slow,),
    ),
    Case(
        "explain-derivations-120k",
        lambda t: ["explain", str(_write(t / "d.yaml", derivations_service("t: v" + "  [" * 40_000)))],
        0,
        "annotation could not be read: not a derivation line",
        other=False,
    ),
    Case(
        "explain-derivations-120k-closed",
        lambda t: [
            "explain",
            str(_write(t / "d.yaml", derivations_service("t: v" + "  [x" * 30_000 + "] rule"))),
        ],
        0,
        "| `t` | `v` | rule |",
        other=False,
    ),
    Case(
        "cluster-nested-500",
        lambda t: ["lint", "--cluster", str(_write(t / "c.yaml", nested(500))), BAD],
        1,
        "c.yaml:100: LINT-YAML error <document>: YAML not read: nested deeper than 100 levels",
    ),
    Case(
        "explain-cdk8s-yaml-nested-2000",
        lambda t: ["explain", str(_app(t / "app", nested(2000)))],
        2,
        "cdk8s.yaml:1000: exceeded maximum nesting depth",  # libyaml's own bound, below ours
        other=False,
    ),
    Case(
        "explain-cdk8s-yaml-nested-500",
        lambda t: ["explain", str(_app(t / "app", nested(500)))],
        2,
        "cdk8s.yaml:100: nested deeper than 100 levels",
        other=False,
    ),
    Case(
        "stdin-closed", lambda t: ["lint", "-", BAD], 2, "'-' given but standard input is closed", close=(0,)
    ),
    Case(
        "stdout-closed",
        lambda t: ["lint", BAD],
        2,
        "standard output is closed: nowhere to write the report",
        other=False,
        close=(1,),
    ),
    Case(
        "stdout-full",
        lambda t: ["lint", BAD],
        2,
        "cannot write to standard output (No space left on device)",
        other=False,
        stdout="/dev/full",
    ),
]


def _run(case: Case, tmp: Path) -> tuple[int, str, str]:
    args = case.args(tmp)
    stdout = open(case.stdout, "w") if case.stdout else subprocess.PIPE  # noqa: SIM115
    try:
        result = subprocess.run(
            [*cli(), *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=_limits(case.close),  # the test process starts no threads
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        if case.stdout:
            stdout.close()  # type: ignore[union-attr]
    out = result.stdout.decode() if result.stdout else ""
    return result.returncode, out, result.stderr.decode()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_hostile_input_keeps_the_contract(case: Case, tmp_path: Path) -> None:
    started = time.monotonic()
    code, out, err = _run(case, tmp_path)
    assert "Traceback" not in err
    assert code == case.exit, err
    assert case.message in out + err
    if case.other:
        assert OTHER in out  # the other input is still checked and reported
    assert time.monotonic() - started < TIMEOUT


def test_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):  # each far more than a pipe buffer of findings
        _write(tmp_path / name, many_keys(5_000))
    script = f'{cli()[0]} lint {tmp_path} | head -n 1; echo "status=${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr.strip() == "status=141"  # no traceback, no "Exception ignored" line


@pytest.mark.slow
def test_a_large_file_of_services_takes_linear_time(tmp_path: Path) -> None:
    times = {}
    for megabytes in (1, 4):  # small enough to stay far inside the run's time bound on a loaded CI
        path = _write(tmp_path / f"s{megabytes}.yaml", services(megabytes))
        started = time.monotonic()
        code, out, err = _run(
            Case("big", lambda _t, p=path: ["lint", "--max-file-size", "64M", str(p), BAD], 1, ""), tmp_path
        )
        times[megabytes] = time.monotonic() - started
        assert code == 1, err
        assert OTHER in out
        assert f"s{megabytes}.yaml:" in out
        path.unlink()
    # 4x the input: linear is ~4x the time, quadratic 16x; the margin absorbs a loaded machine
    assert times[4] < 7 * times[1], times


def test_size_option_takes_units() -> None:
    from kn_constructs.lint.cli import parse_size

    assert [parse_size(s) for s in ("100", "1K", "16M", "16MiB", "2g")] == [
        100,
        1024,
        16 << 20,
        16 << 20,
        2 << 30,
    ]


def test_the_hostile_table_covers_issue_11() -> None:
    assert {c.id for c in CASES} >= {
        "alias-bomb-affinity",
        "alias-bomb-node-selector",
        "alias-bomb-configmap-data",
        "alias-bomb-cluster",
        "fifo-input",
        "fifo-in-folder",
        "fifo-cluster",
        "dev-zero",
        "configmap-47k-keys",
        "explain-derivations-120k",
        "cluster-nested-500",
        "explain-cdk8s-yaml-nested-2000",
        "stdin-closed",
        "stdout-closed",
    }
