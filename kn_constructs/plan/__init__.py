"""``kn-constructs plan``: what each model of a fleet costs, and how cold its starts are.

See ``docs/plan.md``. :func:`~kn_constructs.plan.engine.plan_models` simulates each model under
each :class:`~kn_constructs.plan.policies.Policy`; :mod:`~kn_constructs.plan.report` writes the
text, JSON and HTML reports; :mod:`~kn_constructs.plan.inputs` reads the fleet, traffic and
prices.
"""

from kn_constructs.plan.engine import (
    FleetHours,
    ModelPlan,
    Outcome,
    break_even_rate,
    fleet_hours,
    plan_models,
)
from kn_constructs.plan.inputs import Model, Prices, Traffic, load_models, read_prices, read_traffic
from kn_constructs.plan.policies import DEFAULT_POLICIES, Policy, parse_policies

__all__ = [
    "DEFAULT_POLICIES",
    "FleetHours",
    "Model",
    "ModelPlan",
    "Outcome",
    "Policy",
    "Prices",
    "Traffic",
    "break_even_rate",
    "fleet_hours",
    "load_models",
    "parse_policies",
    "plan_models",
    "read_prices",
    "read_traffic",
]
