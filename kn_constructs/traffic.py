"""Typed traffic for a Knative Service: latest, pinned, canary, blue/green, gradual (KN-ROLL-1).

Knative keeps the old revision serving until the new one is ready (KN-ROLL-1); what a
``traffic`` block decides is where requests go once it is. :class:`Traffic` builds the
block from intent, and its checks are Knative's (percentages sum to 100, each 0..100,
unique DNS-1035 tags, ``<tag>-<service>`` within 63 characters) plus one of the
library's: a revision named here must carry the service's name as prefix, as Knative
requires of revision names chosen by the user.

A gradual shift (:meth:`Traffic.gradual`) writes ``serving.knative.dev/rollout-duration``
on the Service's metadata: once the new revision is ready Knative gives it 1 % of the
traffic, then moves the rest in equal steps over the duration.

Knative has no "readiness percentage" (KN-ROLL-2): a revision is ready when
``max(min-scale, initial-scale)`` of its pods are; those two annotations, the
rollout duration and the percentages below are the real knobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs._format import format_seconds
from kn_constructs.errors import Problem
from kn_constructs.knative import rules as kn
from kn_constructs.knative.traffic import check_traffic

__all__ = ["Traffic", "TrafficTarget"]

#: Share of traffic Knative gives a new revision at the start of a gradual rollout.
GRADUAL_FIRST_STEP = 0.01


@checked_dataclass
@dataclass(frozen=True)
class TrafficTarget:
    """One entry of the traffic block.

    Attributes:
        percent: Share of requests, 0..100.
        revision_name: The revision, or ``None`` for the latest ready revision.
        tag: A tag for a preview URL (``<tag>-<service>.<namespace>...``), or ``None``.
    """

    percent: int
    revision_name: str | None = None
    tag: str | None = None

    def to_manifest(self) -> dict[str, object]:
        """The entry as Knative writes it."""
        entry: dict[str, object] = {}
        if self.tag is not None:
            entry["tag"] = self.tag
        if self.revision_name is None:
            entry["latestRevision"] = True
        else:
            entry["revisionName"] = self.revision_name
            entry["latestRevision"] = False
        entry["percent"] = self.percent
        return entry


@checked_dataclass
@dataclass(frozen=True)
class Traffic:
    """Where requests go. Build it with a named constructor.

    Attributes:
        targets: The traffic entries, in order.
        rollout_duration_seconds: Shift traffic to a new latest revision gradually over
            this many seconds (``serving.knative.dev/rollout-duration``), or ``None``.
        mode: The intent it was built from (informational).
    """

    targets: tuple[TrafficTarget, ...]
    rollout_duration_seconds: int | None = None
    mode: Literal["latest", "pinned", "canary", "blue_green", "gradual", "split"] = "split"

    @classmethod
    @checked
    def latest(cls, *, tag: str | None = None) -> Traffic:
        """All traffic to the latest ready revision (Knative's default)."""
        return cls((TrafficTarget(100, None, tag),), mode="latest")

    @classmethod
    @checked
    def pinned(cls, revision: str, *, latest_tag: str | None = None) -> Traffic:
        """All traffic to one named revision; new revisions get none until you move it.

        Args:
            revision: The revision to serve (``<service>-…``).
            latest_tag: Tag the latest revision with 0 % for a preview URL, or ``None``.
        """
        targets = [TrafficTarget(100, revision)]
        if latest_tag is not None:
            targets.append(TrafficTarget(0, None, latest_tag))
        return cls(tuple(targets), mode="pinned")

    @classmethod
    @checked
    def canary(
        cls, stable_revision: str, percent: int, *, tag: str | None = None, stable_tag: str | None = None
    ) -> Traffic:
        """Send ``percent`` to the latest revision and the rest to ``stable_revision``.

        Args:
            stable_revision: The revision that keeps most of the traffic.
            percent: The canary's share, 0..100.
            tag: Tag of the canary (latest) entry, for a preview URL.
            stable_tag: Tag of the stable entry.
        """
        return cls(
            (TrafficTarget(100 - percent, stable_revision, stable_tag), TrafficTarget(percent, None, tag)),
            mode="canary",
        )

    @classmethod
    @checked
    def blue_green(
        cls,
        blue: str,
        green: str,
        *,
        live: Literal["blue", "green"] = "blue",
        tags: tuple[str, str] = ("blue", "green"),
    ) -> Traffic:
        """Two named revisions, all traffic on the live one; both reachable by tag.

        Cut over by switching ``live``: the other keeps 0 % and its preview URL.
        """
        blue_share = 100 if live == "blue" else 0
        return cls(
            (TrafficTarget(blue_share, blue, tags[0]), TrafficTarget(100 - blue_share, green, tags[1])),
            mode="blue_green",
        )

    @classmethod
    @checked
    def gradual(cls, duration_seconds: int, *, tag: str | None = None) -> Traffic:
        """Move traffic to each new latest revision over ``duration_seconds``.

        Knative starts the new revision at 1 % once it is ready and shifts the rest in
        equal steps. The new revision then need not start at full size: see
        ``GpuInferenceService(current_pods=...)`` (KN-SCALE-3, KN-ROLL-3).
        """
        return cls(
            (TrafficTarget(100, None, tag),), rollout_duration_seconds=duration_seconds, mode="gradual"
        )

    @classmethod
    @checked
    def split(cls, *targets: TrafficTarget) -> Traffic:
        """An explicit traffic block."""
        return cls(tuple(targets), mode="split")

    @property
    def latest_share(self) -> float:
        """The share of traffic the latest revision gets once ready, 0..1."""
        return sum(t.percent for t in self.targets if t.revision_name is None) / 100

    def to_manifest(self) -> list[dict[str, object]]:
        """The ``spec.traffic`` block."""
        return [t.to_manifest() for t in self.targets]

    def service_annotations(self) -> dict[str, str]:
        """Annotations this traffic puts on the Service's metadata."""
        if self.rollout_duration_seconds is None:
            return {}
        return {kn.ANN_ROLLOUT_DURATION: format_seconds(self.rollout_duration_seconds)}

    def problems(self, path: str = "traffic", *, service_name: str) -> list[Problem]:
        """Knative's traffic rules and the revision-prefix rule, at prop paths."""
        found: list[Problem] = []
        for problem in check_traffic(self.to_manifest(), service_name=service_name, path=path):
            found.append(_with_target_path(problem, path))
        prefix = f"{service_name}-"
        for i, target in enumerate(self.targets):
            name = target.revision_name
            if name is not None and not name.startswith(prefix):
                found.append(
                    Problem(
                        "KN-ROLL-1",
                        f"{path}.targets[{i}].revision_name",
                        f'invalid value: "{name}" must have prefix "{prefix}"',
                        value=name,
                        allowed=f"{prefix}<suffix>",
                        hint="Knative names revisions <service>-<suffix>; a revision of another"
                        " service cannot receive this service's traffic",
                    )
                )
        duration = self.rollout_duration_seconds
        if duration is not None and not (isinstance(duration, int) and duration >= 0):
            found.append(
                Problem(
                    "KNATIVE-DURATION",
                    f"{path}.rollout_duration_seconds",
                    f"rollout-duration={duration} must be a positive whole number of seconds",
                    value=duration,
                    allowed=">= 0 whole seconds",
                )
            )
        return found


def _with_target_path(problem: Problem, path: str) -> Problem:
    """Map ``traffic[1].tag`` (Knative's path) to ``traffic.targets[1].tag`` (the prop's)."""
    if problem.path.startswith(f"{path}["):
        return problem.with_path(f"{path}.targets{problem.path[len(path) :]}")
    return problem


def required_ready_fraction(traffic: Traffic | None) -> float:
    """The share of current traffic a new revision must carry when it turns ready.

    Latest-revision traffic moves at once unless the rollout is gradual (then 1 % first).
    """
    if traffic is None:
        return 1.0
    if traffic.rollout_duration_seconds:
        return GRADUAL_FIRST_STEP * traffic.latest_share
    return traffic.latest_share
