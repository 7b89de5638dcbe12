r"""How the library's objects reach the output: held in Python, rendered after cdk8s's synth.

The library's Kubernetes objects (a model's Knative Service, the cluster ConfigMaps) are
:class:`HeldObject` constructs: plain construct nodes holding their
manifest as Python data, rendered by :func:`kn_constructs._render.tojson.api_object_json` and
written by :func:`kn_constructs._render.yaml.dump_documents`, byte for byte as cdk8s would
write them as ``ApiObject``s. Each costs one jsii call (the construct node) instead of three
or more, and nothing crosses to Node at synth time but one call per chart.

**With cdk8s** (the default), on the app object only, ``synth`` and ``synth_yaml`` are wrapped:

1. the library's *finalizers* run first, in Python (a fleet or a cluster config learns what
   it must render only once every model is added). A
   :class:`~kn_constructs.errors.ValidationError` reaches the caller as itself and nothing is
   written;
2. cdk8s's own ``synth`` runs (every construct validation; it writes each chart's file with the
   native ``ApiObject``\\ s the user added);
3. each chart's documents are put together in cdk8s's order (``DependencyGraph`` of the chart,
   one call; construct-tree order where nothing depends on anything): the held objects
   rendered in Python, the native ones as ``chart.to_json()`` returns them (one call), and the
   chart's file is written again, under the name cdk8s gave it, in every ``YamlOutputType``.

``chart.to_json()`` and ``Testing.synth(chart)`` called from Python return the same merged
documents (their Python methods are wrapped once, when this module loads); for synthesis that
does not go through Python (JavaScript calling ``toJson``) the finalizers still run as construct
validations, and the held objects are missing: nothing in cdk8s itself does that.

**Node-free** (:mod:`kn_constructs._tree`), the pure ``App`` and ``Chart`` render held objects
themselves, through the same ``_kn_document`` hook as their own ``ApiObject``.

An internal switch (:func:`legacy_rendering`) brings back the old path, one cdk8s ``ApiObject``
per object with its patches, for the comparison tests; it is not a user option.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from constructs import Construct

from kn_constructs._render.tojson import api_object_json
from kn_constructs._render.yaml import dump_documents
from kn_constructs._tree.hook import ENV_SWITCH, is_node_free, switch_on

__all__ = [
    "HeldObject",
    "add_finalizer",
    "chart_documents",
    "chart_of",
    "legacy_rendering",
    "outdir_existed",
    "remove_empty_outdir",
]

#: Attribute on the app object holding its Python-side finalizers.
_FINALIZERS = "_kn_constructs_finalizers"
#: Attribute on a construct caching its chart, and on the app marking the render hook.
_CHART = "_kn_chart"
_ROOT = "_kn_root"
_NODE_FREE = is_node_free()
if switch_on() and not _NODE_FREE:
    raise RuntimeError(
        f"{ENV_SWITCH}=1, but cdk8s and constructs were imported from their packages (jsii, Node):"
        " the switch takes effect when the process starts with the library's start-up folder on"
        " PYTHONPATH, as `kn-constructs synth APP_DIR` starts the app"
    )
#: The old path (one cdk8s ApiObject per object): for comparison tests only.
_LEGACY = [False]

Patch = tuple[str, str, Any]


@contextlib.contextmanager
def legacy_rendering() -> Iterator[None]:
    r"""Within this block, new held objects render as cdk8s ``ApiObject``\\ s (the old path).

    Internal: the comparison tests build the same app both ways and compare the bytes.
    """
    if _NODE_FREE:
        raise RuntimeError("the old ApiObject path needs cdk8s (not available Node-free)")
    _LEGACY[0] = True
    try:
        yield
    finally:
        _LEGACY[0] = False


# ---------------------------------------------------------------------------- finalizers


class _Finalizer:
    def __init__(self, finalize: Callable[[], None]) -> None:
        self._finalize = finalize

    def validate(self) -> list[str]:
        self._finalize()
        return []


if not _NODE_FREE:
    import jsii
    from constructs import IValidation

    _Finalizer = jsii.implements(IValidation)(_Finalizer)  # type: ignore[misc]


def _root_of(scope: Construct) -> Any:
    found = getattr(scope, _ROOT, None)
    if found is None:
        found = scope.node.root
        with contextlib.suppress(AttributeError):
            setattr(scope, _ROOT, found)
    return found


def _run_first(
    method: Callable[[], Any], finalizers: list[Callable[[], None]], after: Callable[[Any, Any], Any] | None
) -> Callable[[], Any]:
    @functools.wraps(method)
    def synth() -> Any:
        for finalize in list(finalizers):
            finalize()
        result = method()
        return after(method, result) if after is not None else result

    return synth


def _python_finalizers(root: object) -> list[Callable[[], None]] | None:
    """The app's list of Python-side finalizers, wrapping its synth methods on first use."""
    found = getattr(root, _FINALIZERS, None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    methods = [name for name in ("synth", "synth_yaml") if callable(getattr(root, name, None))]
    if not methods:
        return None
    finalizers: list[Callable[[], None]] = []
    try:
        for name in methods:
            after = None
            if not _NODE_FREE:
                after = _after_synth(root) if name == "synth" else _after_synth_yaml(root)
            setattr(root, name, _run_first(getattr(root, name), finalizers, after))
        setattr(root, _FINALIZERS, finalizers)
    except AttributeError:  # pragma: no cover - an app object that refuses attributes
        return None
    return finalizers


def add_finalizer(scope: Construct, finalize: Callable[[], None]) -> None:
    """Run ``finalize`` before the app synthesizes (make it idempotent: it may run twice)."""
    finalizers = _python_finalizers(_root_of(scope))
    if finalizers is not None:
        finalizers.append(finalize)
    scope.node.add_validation(_Finalizer(finalize))


def outdir_existed(scope: Construct) -> bool:
    """Whether the app's output folder exists now (call it before synthesis)."""
    outdir = getattr(_root_of(scope), "outdir", None)
    return bool(outdir) and os.path.exists(str(outdir))


def remove_empty_outdir(scope: Construct, *, existed: bool) -> None:
    """Remove the app's output folder if this synthesis created it and it is still empty."""
    outdir = getattr(_root_of(scope), "outdir", None)
    if outdir and not existed and os.path.isdir(outdir) and not os.listdir(outdir):
        os.rmdir(outdir)


# ---------------------------------------------------------------------------- held objects


def chart_of(construct: Construct) -> Any:
    """The chart ``construct`` is defined in (cached on the construct: one jsii call at most)."""
    found = getattr(construct, _CHART, None)
    if found is None:
        from cdk8s import Chart

        found = Chart.of(construct)
        with contextlib.suppress(AttributeError):
            setattr(construct, _CHART, found)
    return found


class HeldObject(Construct):
    """A Kubernetes object whose manifest the library holds in Python (not a cdk8s ``ApiObject``).

    Rendered exactly as a cdk8s ``ApiObject`` with the same ``api_version``, ``kind``,
    ``metadata``, top-level ``props`` and JSON ``patches`` would be (``ApiObject.toJson``):
    the chart's namespace and labels are merged in, props and metadata are key-sorted,
    patched content keeps its order. Users reach it as they reached the ``ApiObject``:
    :attr:`name`, :attr:`kind`, :attr:`api_version`, :meth:`add_json_patch`, :meth:`to_json`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_version: str,
        kind: str,
        metadata: Mapping[str, Any],
        props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._kn_api_version = api_version
        self._kn_kind = kind
        self._kn_metadata = dict(metadata)
        self._kn_props = dict(props or {})
        self._kn_patches: list[Patch] = []
        self._kn_user_patches: list[Any] = []
        self._kn_hidden = False
        chart = scope if _is_chart(scope) else getattr(scope, _CHART, None)
        if chart is not None:
            setattr(self, _CHART, chart)
        root = getattr(scope, _ROOT, None)
        if root is not None:
            setattr(self, _ROOT, root)
        self._kn_legacy: Any = None
        if _LEGACY[0]:
            from cdk8s import ApiObject

            self._kn_legacy = ApiObject(
                self, "Resource", api_version=api_version, kind=kind, metadata=dict(metadata)
            )
            if props:
                raise RuntimeError("the old path renders props through patches only")
        elif not _NODE_FREE:
            _ensure_render_hook(self)

    # -------------------------------------------------------------- what users see

    @property
    def name(self) -> str:
        """The object's ``metadata.name``."""
        return str(self._kn_metadata["name"])

    @property
    def kind(self) -> str:
        """The object's ``kind``."""
        return self._kn_kind

    @property
    def api_version(self) -> str:
        """The object's ``apiVersion``."""
        return self._kn_api_version

    def add_json_patch(self, *ops: Any) -> None:
        """Apply these cdk8s ``JsonPatch`` operations to the rendered object, after the library's.

        The same escape hatch as ``ApiObject.add_json_patch``: for a field the library does not
        model. With cdk8s the operations are applied by cdk8s itself (``JsonPatch.apply``, one
        call per patched object at synth).
        """
        if self._kn_legacy is not None:
            self._kn_legacy.add_json_patch(*ops)
            return
        self._kn_user_patches.extend(ops)

    def to_json(self) -> Any:
        """The object as it will be written (a dict), or ``None`` when it is not written."""
        chart = chart_of(self)
        return self._kn_document(chart.namespace, chart.labels)

    # -------------------------------------------------------------- for the library

    def _kn_add_patch(self, op: str, path: str, value: Any) -> None:
        """Add one of the library's own JSON patches (``("add", "/spec", {...})``)."""
        if self._kn_legacy is not None:
            from cdk8s import JsonPatch

            factory = {"add": JsonPatch.add, "replace": JsonPatch.replace}[op]
            self._kn_legacy.add_json_patch(factory(path, value))
            return
        self._kn_patches.append((op, path, value))

    def _kn_hide(self) -> None:
        """Never write this object (a fleet model with deferred errors: the synthesis fails)."""
        self._kn_hidden = True

    def _kn_document(self, chart_namespace: str | None, chart_labels: Mapping[str, str] | None) -> Any:
        """The rendered object, or ``None`` (hidden, or rendered by the old path's ``ApiObject``)."""
        if self._kn_hidden or self._kn_legacy is not None:
            return None
        patches = self._kn_patches
        pure_ops = [op for op in self._kn_user_patches if hasattr(op, "_tuple")]
        if pure_ops:
            patches = [*patches, *(op._tuple() for op in pure_ops)]
        doc = api_object_json(
            api_version=self._kn_api_version,
            kind=self._kn_kind,
            metadata=self._kn_metadata,
            props=self._kn_props,
            patches=patches,
            chart_namespace=chart_namespace,
            chart_labels=chart_labels,
        )
        jsii_ops = [op for op in self._kn_user_patches if not hasattr(op, "_tuple")]
        if jsii_ops:
            from cdk8s import JsonPatch

            patched = JsonPatch.apply(doc, *jsii_ops)
            head = {k: patched[k] for k in ("apiVersion", "kind", "metadata") if k in patched}
            doc = {**head, **{k: v for k, v in patched.items() if k not in head}}
        return doc


def _is_chart(scope: Any) -> bool:
    from cdk8s import Chart

    return isinstance(scope, Chart)


# ---------------------------------------------------------------------------- cdk8s: render


def _ensure_render_hook(scope: Construct) -> None:
    root = _root_of(scope)
    if getattr(root, _FINALIZERS, None) is None:
        _python_finalizers(root)


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value))


def chart_documents(chart: Any, native: Sequence[Any] | None = None) -> list[Any]:
    """The chart's documents in cdk8s's order: held objects rendered here, native ones from cdk8s.

    ``native`` is what cdk8s's ``chart.to_json()`` returned (fetched when not given).
    """
    return _chart_documents(chart, native)[0]


def _chart_documents(chart: Any, native: Sequence[Any] | None = None) -> tuple[list[Any], set[int]]:
    """The chart's documents, and the positions of the held ones among them."""
    from cdk8s import ApiObject, Chart, DependencyGraph

    if native is None:
        native = _ORIGINAL_TO_JSON[0](chart)
    order = DependencyGraph(chart.node).topology()
    api_objects = [x for x in order if isinstance(x, ApiObject)]
    if len(api_objects) == len(native):
        own_native = {id(x) for x in api_objects}
    else:  # nested charts: an object belongs to its closest chart only
        own_native = {id(x) for x in api_objects if Chart.of(x) is chart}
    native_docs = iter(native)
    namespace: str | None = None
    labels: Mapping[str, str] | None = None
    looked_up = False
    docs: list[Any] = []
    held: set[int] = set()
    for construct in order:
        if id(construct) in own_native:
            docs.append(next(native_docs))
            continue
        render = getattr(construct, "_kn_document", None)
        if render is None or chart_of(construct) is not chart:  # type: ignore[arg-type]
            continue
        if not looked_up:
            namespace, labels, looked_up = chart.namespace, chart.labels, True
        doc = render(namespace, labels)
        if doc is not None:
            held.add(len(docs))
            docs.append(doc)
    return docs, held


def _has_dependant_charts(charts: Sequence[Any]) -> bool:
    """Whether cdk8s names chart files with an index (``resolveDependencies`` in ``lib/app.js``).

    After cdk8s's synth, every nested chart and every dependency across charts is a
    dependency of the source chart on the target chart.
    """
    from cdk8s import Chart

    for chart in charts:
        for dep in chart.node.dependencies:
            if Chart.of(dep) is not chart:
                return True
    return False


def _chart_label(chart: Any) -> str:
    from cdk8s import Names

    return str(Names.to_dns_label(chart))


def _resource_file(doc: Mapping[str, Any]) -> str:
    return re.sub(r"[^0-9a-zA-Z\-_.]", "", f"{doc['kind']}.{doc['metadata']['name']}")


def _outputs(app: Any) -> dict[str, str]:
    """Every file the app's held objects change: path -> text (as cdk8s ``App.synth`` names them).

    Files without a held object are left as cdk8s wrote them.
    """
    charts = list(app.charts)
    outdir, ext = str(app.outdir), str(app.output_file_extension)
    layout = _enum_name(app.yaml_output_type)
    per_chart = [(chart, *_chart_documents(chart)) for chart in charts]
    out: dict[str, str] = {}
    if layout == "FILE_PER_APP":
        if any(held for _, _, held in per_chart):
            every = [d for _, docs, _ in per_chart for d in docs]
            out[os.path.join(outdir, f"app{ext}")] = dump_documents(every)
        return out
    if not any(held for _, _, held in per_chart):
        return out
    indexed = _has_dependant_charts(charts)
    for index, (chart, docs, held) in enumerate(per_chart):
        if not held:
            continue
        label = _chart_label(chart)
        name = f"{index:04d}-{label}" if indexed else label
        if layout == "FILE_PER_CHART":
            out[os.path.join(outdir, name + ext)] = dump_documents(docs)
            continue
        folder = outdir if layout == "FILE_PER_RESOURCE" else os.path.join(outdir, name)
        for position in sorted(held):
            doc = docs[position]
            out[os.path.join(folder, _resource_file(doc) + ext)] = dump_documents([doc])
    return out


def _after_synth(app: Any) -> Callable[[Any, Any], Any]:
    def after(_method: Any, result: Any) -> Any:
        if _LEGACY[0]:
            return result
        outputs = _outputs(app)
        for path, text in outputs.items():
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        return result

    return after


def _after_synth_yaml(app: Any) -> Callable[[Any, Any], Any]:
    def after(_method: Any, result: Any) -> Any:
        if _LEGACY[0]:
            return result
        return dump_documents([d for chart in app.charts for d in chart_documents(chart)])

    return after


# ---------------------------------------------------------------------------- cdk8s: Python API

_ORIGINAL_TO_JSON: list[Callable[[Any], Any]] = []


def _install_python_api() -> None:
    """``Chart.to_json`` and ``Testing.synth`` from Python include the held objects."""
    import cdk8s

    if _ORIGINAL_TO_JSON:
        return
    original = cdk8s.Chart.to_json
    _ORIGINAL_TO_JSON.append(original)

    @functools.wraps(original)
    def to_json(self: Any) -> Any:
        native = original(self)
        root = getattr(self, _ROOT, None)
        if root is None:
            root = self.node.root
            with contextlib.suppress(AttributeError):
                setattr(self, _ROOT, root)
        if getattr(root, _FINALIZERS, None) is None or _LEGACY[0]:
            return native  # no library object in this app, or the old path
        return chart_documents(self, native)

    def synth(chart: Any) -> Any:
        return chart.to_json()

    cdk8s.Chart.to_json = to_json  # type: ignore[method-assign]
    cdk8s.Testing.synth = staticmethod(synth)  # type: ignore[method-assign]


if not _NODE_FREE:
    _install_python_api()
