"""``kn-constructs lint`` and ``explain``: Knative's rules and the practices, applied to any YAML.

Pure Python: nothing here imports cdk8s or starts Node (``explain`` runs a cdk8s app in a child
process), so the linter starts in milliseconds.

- :func:`lint_manifest`: every problem in one document (Knative's rules from
  :func:`kn_constructs.knative.check_manifest`, then the practice rules of :data:`LINT_RULES`);
- :func:`lint_text`, :func:`lint_paths`: the same over YAML streams, files and folders, as
  :class:`Finding` values (problem + file, line, document, kind, name);
- :func:`filter_findings`: ``--ignore`` and ``--min-severity``;
- :mod:`~kn_constructs.lint.output`: text, JSON and SARIF 2.1.0;
- :mod:`~kn_constructs.lint.explain`: the derivations report.

Example::

    from kn_constructs.lint import lint_text

    findings, documents = lint_text(open("service.yaml").read(), file="service.yaml")
    for finding in findings:
        print(finding.text())
"""

from kn_constructs.lint.catalogue import RuleInfo, all_rules, rules_markdown
from kn_constructs.lint.linter import (
    Finding,
    LintRun,
    filter_findings,
    lint_manifest,
    lint_paths,
    lint_text,
)
from kn_constructs.lint.practices import LINT_RULES, LINT_YAML, LintRule, practice_problems

__all__ = [
    "LINT_RULES",
    "LINT_YAML",
    "Finding",
    "LintRule",
    "LintRun",
    "RuleInfo",
    "all_rules",
    "filter_findings",
    "lint_manifest",
    "lint_paths",
    "lint_text",
    "practice_problems",
    "rules_markdown",
]
