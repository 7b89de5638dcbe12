"""Bytes of a router's files (its ConfigMap's data) per model, with and without the OpenAI API.

``python benchmarks/router_size.py``: for the fleet of ``examples/fleet`` and for 1,000 and
2,500 models of the three shapes of ``benchmarks/fleets.py`` (read timeouts 180 s, 8 s and 60 s),
the size of every file ``plan_router`` writes, the bytes each model adds to an empty router, and
the most models of those shapes that stay under client-side apply's 256 KiB and under the
ConfigMap limit (what ``router_manifests`` warns and errors at). Sizes, not times: the figures are
exact and the same on every machine. Recorded in docs/router.md ("Size limits").
"""

from __future__ import annotations

from collections.abc import Callable

from kn_constructs.router import CONFIGMAP_MAX_BYTES, RouterRoute, RouterSettings, plan_router
from kn_constructs.router_manifests import _CONFIGMAP_METADATA_ALLOWANCE, CLIENT_SIDE_APPLY_MAX_BYTES

#: What ``router_manifests`` leaves of 1 MiB for the files (the rest is the ConfigMap's metadata).
CONFIGMAP_FILES_MAX_BYTES = CONFIGMAP_MAX_BYTES - _CONFIGMAP_METADATA_ALLOWANCE
#: ``timeoutSeconds`` of the three shapes of ``benchmarks/fleets.py``: ceil(1.2 x 60, 2, 20).
BENCH_TIMEOUTS = (72, 3, 24)


def bench_routes(count: int) -> list[RouterRoute]:
    """``count`` models named and shaped as ``benchmarks/fleets.py`` makes them."""
    return [
        RouterRoute.for_knative_service(f"model-{i}", "models", timeout_seconds=BENCH_TIMEOUTS[i % 3])
        for i in range(count)
    ]


def example_routes() -> list[RouterRoute]:
    """The routes of ``examples/fleet``: two models with aliases and engine names, one without."""
    return [
        RouterRoute.for_knative_service(
            "chat",
            "models",
            timeout_seconds=72,
            model_names=["chat", "llama-3.1-8b-instruct"],
            engine_model="meta-llama/Llama-3.1-8B-Instruct",
        ),
        RouterRoute.for_knative_service(
            "embed", "models", timeout_seconds=3, model_names=["embed", "bge-m3"], engine_model="BAAI/bge-m3"
        ),
        RouterRoute.for_knative_service("rare", "models", timeout_seconds=24),
    ]


def sizes(routes: list[RouterRoute], openai: bool) -> dict[str, int]:
    """Bytes of each file of the router."""
    files = plan_router(routes, RouterSettings(openai=openai)).files
    return {name: len(text.encode()) for name, text in files.items()}


def most_models(limit: int, openai: bool, routes: Callable[[int], list[RouterRoute]]) -> int:
    """The most models whose files take at most ``limit`` bytes (bisection)."""
    low, high = 0, 10_000
    while low < high:
        middle = (low + high + 1) // 2
        if sum(sizes(routes(middle), openai).values()) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def main() -> None:
    """Print the table."""
    print("| fleet | OpenAI | all files | nginx.conf | per model | nginx.conf per model |")
    print("|---|---|---:|---:|---:|---:|")
    for label, routes in (
        ("examples/fleet (3)", example_routes()),
        ("1,000", bench_routes(1000)),
        ("2,500", bench_routes(2500)),
    ):
        for openai in (False, True):
            full, empty = sizes(routes, openai), sizes([], openai)
            total, conf = sum(full.values()), full["nginx.conf"]
            per_model = (total - sum(empty.values())) / len(routes)
            conf_per_model = (conf - empty["nginx.conf"]) / len(routes)
            print(
                f"| {label} | {'on' if openai else 'off'} | {total:,} | {conf:,} | {per_model:,.0f}"
                f" | {conf_per_model:,.0f} |"
            )
    for openai in (False, True):
        print(
            f"OpenAI {'on' if openai else 'off'}: at most"
            f" {most_models(CLIENT_SIDE_APPLY_MAX_BYTES, openai, bench_routes):,} models under 256 KiB,"
            f" {most_models(CONFIGMAP_FILES_MAX_BYTES, openai, bench_routes):,} in one ConfigMap"
        )


if __name__ == "__main__":
    main()
