"""How a model server batches requests, and the concurrency values that follow.

Knative has two concurrency knobs: the hard limit ``containerConcurrency`` (at most
that many requests reach the container at once) and the soft autoscaling ``target``.
For GPU servers both follow from the batching mode (KN-CONC-1, KN-CONC-2,
KN-BATCH-1, KN-BATCH-2), so :class:`Batching` is the input and the two numbers are
derived from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs._format import format_number
from kn_constructs.errors import Problem
from kn_constructs.knative.rules import TARGET_MIN

__all__ = ["Batching", "BatchingMode"]

BatchingMode = Literal["none", "fixed", "in_flight"]

#: Default soft target for in-flight batching, as a fraction of the hard limit (KN-BATCH-2).
IN_FLIGHT_TARGET_FRACTION = 0.8
#: Above this multiple of the batch size, a fixed-batch hard limit draws a warning (KN-BATCH-1).
FIXED_SOFT_CEILING = 1.5
#: Above this multiple of the batch size, a fixed-batch hard limit is an error (KN-BATCH-1).
FIXED_HARD_CEILING = 2.0
#: A soft target this close to the hard limit (fraction) draws a warning (KN-BATCH-2).
IN_FLIGHT_CLOSE_FRACTION = 0.05


@checked_dataclass
@dataclass(frozen=True)
class Batching:
    """The batching mode of the model server.

    Build it with a named constructor: :meth:`none`, :meth:`fixed` or :meth:`in_flight`.

    Attributes:
        mode: ``"none"`` (one request at a time), ``"fixed"`` (the server waits for a
            batch of ``batch_size``) or ``"in_flight"`` (continuous batching up to
            ``max_sequences`` concurrent sequences).
        container_concurrency: The hard limit, written to
            ``spec.template.spec.containerConcurrency``. Knative's range is
            ``1..container-concurrency-max-limit`` (1000 by default) for these modes.
        target: The soft target, written to ``autoscaling.knative.dev/target``.
        batch_size: For ``fixed``: the batch size; else ``None``.
        max_sequences: For ``in_flight``: the engine's maximum concurrent sequences.
        max_wait_seconds: For ``fixed``: how long the server waits to fill a batch
            (KN-BATCH-3: this plus the longest request must fit in ``timeoutSeconds``).
    """

    mode: BatchingMode
    container_concurrency: int
    target: float
    batch_size: int | None = None
    max_sequences: int | None = None
    max_wait_seconds: float = 0.0

    @classmethod
    @checked
    def none(cls) -> Batching:
        """No batching: one request per pod at a time (KN-CONC-1, KN-CONC-2).

        ``containerConcurrency`` 1 and target 1: the safe choice for a GPU server whose
        concurrency is not known.
        """
        return cls(mode="none", container_concurrency=1, target=1)

    @classmethod
    @checked
    def fixed(
        cls,
        batch_size: int,
        *,
        container_concurrency: int | None = None,
        max_wait_seconds: float = 0.0,
    ) -> Batching:
        """Fixed-size batching (KN-BATCH-1).

        Args:
            batch_size: The server's batch size; becomes the soft target.
            container_concurrency: The hard limit. Default: ``batch_size``. Allowed:
                ``batch_size..2 x batch_size``; above ``1.5 x batch_size`` warns.
            max_wait_seconds: How long the server waits to fill a batch (default 0).
        """
        hard = batch_size if container_concurrency is None else container_concurrency
        return cls(
            mode="fixed",
            container_concurrency=hard,
            target=batch_size,
            batch_size=batch_size,
            max_wait_seconds=max_wait_seconds,
        )

    @classmethod
    @checked
    def in_flight(cls, max_sequences: int, *, target: float | None = None) -> Batching:
        """In-flight (continuous) batching, as in vLLM or TGI (KN-BATCH-2).

        Args:
            max_sequences: The most sequences the engine runs at once (bounded by its
                KV cache); becomes the hard limit ``containerConcurrency``.
            target: The soft target. Default: ``floor(0.8 x max_sequences)`` (at least 1),
                high but clear of the hard limit. Must not exceed ``max_sequences``;
                within 5 % of it warns.
        """
        soft = max(1, math.floor(IN_FLIGHT_TARGET_FRACTION * max_sequences)) if target is None else target
        return cls(
            mode="in_flight",
            container_concurrency=max_sequences,
            target=soft,
            max_sequences=max_sequences,
        )

    def problems(self, path: str = "batching") -> list[Problem]:
        """Check the practice rules for this batching mode; errors and warnings."""
        found: list[Problem] = []
        hard = self.container_concurrency
        if self.mode == "fixed" and self.batch_size is not None:
            found.extend(self._fixed_problems(path))
        elif self.mode == "in_flight":
            if self.max_sequences is None or self.max_sequences < 1:
                found.append(
                    Problem(
                        "KN-BATCH-2",
                        f"{path}.max_sequences",
                        f"expected 1 <= {self.max_sequences}",
                        value=self.max_sequences,
                        allowed=">= 1",
                        hint="give the engine's maximum number of concurrent sequences",
                    )
                )
            elif self.target > hard:
                found.append(
                    Problem(
                        "KN-BATCH-2",
                        f"{path}.target",
                        f"soft target {format_number(self.target)} is above the hard limit {hard}",
                        value=self.target,
                        allowed=f"0.01..{hard}",
                        hint="the soft target must stay below max_sequences; omit it for 80 %",
                    )
                )
            elif self.target < TARGET_MIN:
                found.append(
                    Problem(
                        "KN-BATCH-2",
                        f"{path}.target",
                        f"expected {format_number(TARGET_MIN)} <= {format_number(self.target)}",
                        value=self.target,
                        allowed=f"0.01..{hard}",
                        hint="omit target for 80 % of max_sequences",
                    )
                )
            elif hard >= 2 and self.target > hard * (1 - IN_FLIGHT_CLOSE_FRACTION):
                found.append(
                    Problem(
                        "KN-BATCH-2",
                        f"{path}.target",
                        f"soft target {format_number(self.target)} is within 5 % of the hard limit {hard}:"
                        " pods are near overload before new ones are asked for",
                        value=self.target,
                        allowed=f"<= {format_number(hard * (1 - IN_FLIGHT_CLOSE_FRACTION))}",
                        hint="leave headroom (the default is 80 % of max_sequences)",
                        severity="warning",
                    )
                )
        if self.max_wait_seconds < 0:
            found.append(
                Problem(
                    "KN-BATCH-3",
                    f"{path}.max_wait_seconds",
                    f"expected 0 <= {format_number(self.max_wait_seconds)}",
                    value=self.max_wait_seconds,
                    allowed=">= 0",
                    hint="how long the server waits to fill a batch; 0 for no wait",
                )
            )
        return found

    def _fixed_problems(self, path: str) -> list[Problem]:
        batch = self.batch_size
        assert batch is not None
        if batch < 1:
            return [
                Problem(
                    "KN-BATCH-1",
                    f"{path}.batch_size",
                    f"expected 1 <= {batch}",
                    value=batch,
                    allowed=">= 1",
                    hint="the server's batch size: requests it runs together, 1 or more",
                )
            ]
        hard = self.container_concurrency
        low, high = batch, math.floor(FIXED_HARD_CEILING * batch)
        if not low <= hard <= high:
            return [
                Problem(
                    "KN-BATCH-1",
                    f"{path}.container_concurrency",
                    f"expected {low} <= {hard} <= {high}",
                    value=hard,
                    allowed=f"{low}..{high} (batch_size..2 x batch_size)",
                    hint="below the batch size a batch never fills; above twice the batch"
                    " size requests queue inside the pod (KN-CONC-4)",
                )
            ]
        if hard > FIXED_SOFT_CEILING * batch:
            return [
                Problem(
                    "KN-BATCH-1",
                    f"{path}.container_concurrency",
                    f"hard limit {hard} is above 1.5 x batch size {batch}:"
                    " requests will wait inside the pod for the next batch",
                    value=hard,
                    allowed=f"<= {math.floor(FIXED_SOFT_CEILING * batch)} recommended",
                    hint="keep containerConcurrency within 1.5 x batch_size",
                    severity="warning",
                )
            ]
        return []
