"""Node-free synth: a pure-Python subset of ``cdk8s`` and ``constructs`` (see ``docs/synth.md``).

:mod:`kn_constructs._tree.constructs` and :mod:`kn_constructs._tree.cdk8s` stand in for the
real packages when :mod:`kn_constructs._tree.hook` is installed (``kn-constructs synth``,
``KN_CONSTRUCTS_NODE_FREE=1``). Nothing here imports jsii or starts Node.
"""
