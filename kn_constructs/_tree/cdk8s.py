"""A pure-Python ``cdk8s`` (2.x): the subset the library and typical apps use, with no Node.

Node-free synth imports this module as ``cdk8s``. Each class follows ``cdk8s@2.70.115``
(``lib/*.js`` in the jsii bundle of the Python package), read for this port:

* ``App`` (``lib/app.js``): ``outdir`` (``CDK8S_OUTDIR``, else ``dist``), ``.k8s.yaml``, the four
  ``YamlOutputType`` layouts; ``synth`` validates every construct first (``validate``: one
  ``Validation failed`` error listing ``[path] message``), resolves dependencies
  (``resolveDependencies``: nested charts and cross-chart dependencies make the file names
  indexed, ``0000-<chart>``), orders charts and objects topologically (``DependencyGraph``), and
  writes ``Yaml.stringify`` of each chart's objects; ``synthYaml`` joins every chart's.
* ``Chart`` (``lib/chart.js``): ``namespace``, ``labels``, ``Chart.of``, ``toJson``
  (``App._synthChart``: validate the app, then the chart's own objects in topological order),
  ``generateObjectName`` (``Names.toDnsLabel`` with the hash unless disabled; 52 characters for
  a CronJob).
* ``ApiObject`` (``lib/api-object.js``): the name from ``metadata.name`` or the chart's
  generated name; ``namespace`` defaults to the chart's; labels are the chart's then the
  object's; ``addJsonPatch``; ``toJson`` (the JSON rules live in
  :func:`kn_constructs._render.tojson.api_object_json`).
* ``Names`` (``lib/names.js``): ``toDnsLabel``/``toLabelValue`` with the same normalization,
  trimming and hash (the node address, or SHA-256 of the path with ``CDK8S_LEGACY_HASH``).
* ``DependencyGraph`` (``lib/dependency.js``): vertices keyed by path (JavaScript key order),
  orphans adopted by a root, post-order visit.
* ``Yaml.stringify``/``Yaml.save`` (``lib/yaml.js``): :func:`kn_constructs._render.yaml.dump_documents`.

Anything else (``Helm``, ``Include``, ``Lazy``, ``Cron``, ``Duration``, ``Size``, resolvers,
``Yaml.load``, construct metadata files) raises
:class:`~kn_constructs._tree.unsupported.NodeFreeUnsupportedError` naming it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from kn_constructs._names import to_dns_label, to_label_value
from kn_constructs._tree.constructs import Construct, IConstruct, Node, is_array_index
from kn_constructs._tree.unsupported import raise_unsupported, unsupported_module_getattr

__all__ = [
    "ApiObject",
    "ApiObjectMetadata",
    "ApiObjectMetadataDefinition",
    "App",
    "Chart",
    "DependencyGraph",
    "JsonPatch",
    "Names",
    "OwnerReference",
    "Testing",
    "Yaml",
    "YamlOutputType",
]

#: Marks this module as the Node-free tree.
KN_NODE_FREE = True

_CRONJOB = "CronJob"


class YamlOutputType(Enum):
    """How the YAML output is divided into files (``cdk8s.YamlOutputType``)."""

    FILE_PER_APP = 0
    FILE_PER_CHART = 1
    FILE_PER_RESOURCE = 2
    FOLDER_PER_CHART_FILE_PER_RESOURCE = 3


# ---------------------------------------------------------------------------- names


class Names:
    """Stable names from construct paths (``cdk8s.Names``; :mod:`kn_constructs._names`)."""

    @staticmethod
    def to_dns_label(
        scope: IConstruct,
        *,
        delimiter: str | None = None,
        extra: Sequence[str] | None = None,
        include_hash: bool | None = None,
        max_len: int | None = None,
    ) -> str:
        """A DNS-1123 label from the construct's path (``Names.toDnsLabel``)."""
        node = scope.node
        return to_dns_label(node.path, node.addr, **_name_options(delimiter, extra, include_hash, max_len))

    @staticmethod
    def to_label_value(
        scope: IConstruct,
        *,
        delimiter: str | None = None,
        extra: Sequence[str] | None = None,
        include_hash: bool | None = None,
        max_len: int | None = None,
    ) -> str:
        """A label value from the construct's path (``Names.toLabelValue``)."""
        node = scope.node
        return to_label_value(node.path, node.addr, **_name_options(delimiter, extra, include_hash, max_len))


def _name_options(
    delimiter: str | None, extra: Sequence[str] | None, include_hash: bool | None, max_len: int | None
) -> dict[str, Any]:
    # cdk8s' NameOptions: an option left out (None from jsii's Python side) takes its default.
    options: dict[str, Any] = {"extra": tuple(extra or ())}
    if delimiter is not None:
        options["delimiter"] = delimiter
    if include_hash is not None:
        options["include_hash"] = include_hash
    if max_len is not None:
        options["max_length"] = max_len
    return options


# ---------------------------------------------------------------------------- json patch


class JsonPatch:
    """An RFC 6902 JSON patch operation (``cdk8s.JsonPatch``).

    Applied at synth by the emulation of fast-json-patch in
    :func:`kn_constructs._render.tojson.api_object_json`.
    """

    def __init__(self, op: str, path: str, value: Any = None) -> None:
        self.op = op
        self.path = path
        self.value = value

    @staticmethod
    def add(path: str, value: Any) -> JsonPatch:
        """Add ``value`` at ``path`` (a ``-`` index appends to an array)."""
        return JsonPatch("add", path, value)

    @staticmethod
    def replace(path: str, value: Any) -> JsonPatch:
        """Replace the value at ``path``."""
        return JsonPatch("replace", path, value)

    @staticmethod
    def remove(path: str) -> JsonPatch:
        """Remove the value at ``path``."""
        return JsonPatch("remove", path)

    @staticmethod
    def copy(from_: str, path: str) -> JsonPatch:
        """Copy the value at ``from_`` to ``path``."""
        return JsonPatch("copy", path, from_)

    @staticmethod
    def move(from_: str, path: str) -> JsonPatch:
        """Move the value at ``from_`` to ``path``."""
        return JsonPatch("move", path, from_)

    @staticmethod
    def test(path: str, value: Any) -> JsonPatch:
        """Fail the synthesis unless the value at ``path`` equals ``value``."""
        return JsonPatch("test", path, value)

    @staticmethod
    def apply(document: Any, *ops: JsonPatch) -> Any:
        """Refused: Node-free synth applies patches only to objects (``add_json_patch``)."""
        raise_unsupported("cdk8s JsonPatch.apply (patches on an ApiObject are covered)")

    def _tuple(self) -> tuple[str, str, Any]:
        return (self.op, self.path, self.value)


# ---------------------------------------------------------------------------- metadata


class OwnerReference:
    """An owner reference (``cdk8s.OwnerReference``)."""

    def __init__(
        self,
        *,
        api_version: str,
        kind: str,
        name: str,
        uid: str,
        block_owner_deletion: bool | None = None,
        controller: bool | None = None,
    ) -> None:
        self._values: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "name": name, "uid": uid}
        if block_owner_deletion is not None:
            self._values["blockOwnerDeletion"] = block_owner_deletion
        if controller is not None:
            self._values["controller"] = controller

    def _json(self) -> dict[str, Any]:
        return dict(self._values)


class ApiObjectMetadata:
    """Metadata of an API object (``cdk8s.ApiObjectMetadata``)."""

    def __init__(
        self,
        *,
        annotations: Mapping[str, str] | None = None,
        finalizers: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        name: str | None = None,
        namespace: str | None = None,
        owner_references: Sequence[OwnerReference | Mapping[str, Any]] | None = None,
    ) -> None:
        self._values: dict[str, Any] = {}
        for key, value in (
            ("annotations", annotations),
            ("finalizers", finalizers),
            ("labels", labels),
            ("name", name),
            ("namespace", namespace),
        ):
            if value is not None:
                self._values[key] = value
        if owner_references is not None:
            self._values["ownerReferences"] = [
                r._json() if isinstance(r, OwnerReference) else dict(r) for r in owner_references
            ]

    @property
    def name(self) -> str | None:
        """The object's name, if given."""
        return self._values.get("name")

    @property
    def namespace(self) -> str | None:
        """The object's namespace, if given."""
        return self._values.get("namespace")

    @property
    def labels(self) -> Mapping[str, str] | None:
        """The object's labels, if given."""
        return self._values.get("labels")

    def _json(self) -> dict[str, Any]:
        return dict(self._values)


def _metadata_dict(metadata: ApiObjectMetadata | Mapping[str, Any] | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    if isinstance(metadata, ApiObjectMetadata):
        return metadata._json()
    if isinstance(metadata, Mapping):
        return dict(metadata)
    raise TypeError(f"metadata must be an ApiObjectMetadata or a dict, not {type(metadata).__name__}")


class ApiObjectMetadataDefinition:
    """The metadata of a defined object (``cdk8s.ApiObjectMetadataDefinition``), mutable."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    @property
    def name(self) -> str | None:
        """The object's name."""
        return self._values.get("name")

    @property
    def namespace(self) -> str | None:
        """The object's namespace."""
        return self._values.get("namespace")

    def add_label(self, key: str, value: str) -> None:
        """Add a label."""
        self._values.setdefault("labels", {})[key] = value

    def get_label(self, key: str) -> str | None:
        """The label ``key``, or ``None``."""
        labels = self._values.get("labels") or {}
        value = labels.get(key)
        return value if isinstance(value, str) else None

    def add_annotation(self, key: str, value: str) -> None:
        """Add an annotation."""
        self._values.setdefault("annotations", {})[key] = value

    def add_finalizers(self, *finalizers: str) -> None:
        """Add finalizers."""
        self._values.setdefault("finalizers", []).extend(finalizers)

    def add_owner_reference(self, *, api_version: str, kind: str, name: str, uid: str, **rest: Any) -> None:
        """Add an owner reference."""
        ref = OwnerReference(api_version=api_version, kind=kind, name=name, uid=uid, **rest)
        self._values.setdefault("ownerReferences", []).append(ref._json())

    def add(self, key: str, value: Any) -> None:
        """Add any other metadata attribute."""
        self._values[key] = value

    def to_json(self) -> dict[str, Any]:
        """The metadata as JSON (empty parts dropped)."""
        from kn_constructs._render.tojson import api_object_json

        doc = api_object_json(api_version="v1", kind="_", metadata=self._values)
        result: dict[str, Any] = doc.get("metadata", {})
        return result


# ---------------------------------------------------------------------------- documents


def _document_of(construct: Construct) -> Any:
    """The construct's render hook (``_kn_document``), or ``None`` for a plain construct."""
    return getattr(construct, "_kn_document", None)


class ApiObject(Construct):
    """A Kubernetes object (``cdk8s.ApiObject``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_version: str,
        kind: str,
        metadata: ApiObjectMetadata | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise TypeError("api_version and kind must be strings")
        self._patches: list[JsonPatch] = []
        self.chart: Chart = Chart.of(self)
        self.kind = kind
        self.api_version = api_version
        parts = api_version.split("/")
        if len(parts) > 2:
            raise ValueError(
                f"invalid apiVersion {api_version}, expecting GROUP/VERSION. See"
                " https://kubernetes.io/docs/reference/using-api/api-overview/#api-groups"
            )
        self.api_group = "core" if len(parts) == 1 else parts[0]
        values = _metadata_dict(metadata)
        given_name = values.get("name")
        self.name: str = given_name if given_name is not None else self.chart.generate_object_name(self)
        values["name"] = self.name
        self.metadata = ApiObjectMetadataDefinition(values)

    @staticmethod
    def is_api_object(o: Any) -> bool:
        """Whether ``o`` is an ``ApiObject``."""
        return isinstance(o, ApiObject)

    @staticmethod
    def of(c: IConstruct) -> ApiObject:
        """``c`` itself, or its default child (``Resource``/``Default``), as an ``ApiObject``."""
        if isinstance(c, ApiObject):
            return c
        child = c.node.default_child
        if child is None:
            raise ValueError(
                f"cannot find a (direct or indirect) child of type ApiObject for construct {c.node.path}"
            )
        return ApiObject.of(child)

    def add_dependency(self, *dependencies: IConstruct) -> None:
        """Order this object after ``dependencies``."""
        self.node.add_dependency(*dependencies)

    def add_json_patch(self, *ops: JsonPatch) -> None:
        """Apply these JSON patches to the rendered object."""
        for op in ops:
            if not isinstance(op, JsonPatch):
                raise TypeError(f"add_json_patch() takes JsonPatch operations, not {type(op).__name__}")
        self._patches.extend(ops)

    def to_json(self) -> Any:
        """The object as cdk8s renders it."""
        return self._kn_document(self.chart.namespace, self.chart.labels)

    def _kn_document(self, chart_namespace: str | None, chart_labels: Mapping[str, str]) -> dict[str, Any]:
        from kn_constructs._render.tojson import api_object_json

        try:
            return api_object_json(
                api_version=self.api_version,
                kind=self.kind,
                metadata=self.metadata._values,
                patches=[p._tuple() for p in self._patches],
                chart_namespace=chart_namespace,
                chart_labels=chart_labels,
            )
        except Exception as error:
            raise RuntimeError(
                f"Failed serializing construct at path '{self.node.path}' with name '{self.name}': {error}"
            ) from error


# ---------------------------------------------------------------------------- dependency graph


class _Vertex:
    __slots__ = ("children", "parents", "value")

    def __init__(self, value: Construct | None = None) -> None:
        self.value = value
        self.children: dict[int, _Vertex] = {}
        self.parents: dict[int, _Vertex] = {}

    def add_child(self, dep: _Vertex) -> None:
        route = dep._find_route(self)
        if route:
            route.append(dep)
            paths = " => ".join(v.value.node.path for v in route if v.value is not None)
            raise ValueError(f"Dependency cycle detected: {paths}")
        self.children[id(dep)] = dep
        dep.parents[id(self)] = self

    def _find_route(self, dst: _Vertex) -> list[_Vertex]:
        route: list[_Vertex] = []

        def visit(n: _Vertex) -> bool:
            route.append(n)
            for c in n.children.values():
                if c is dst:
                    route.append(c)
                    return True
                if visit(c):
                    return True
            route.pop()
            return False

        return route if visit(self) else []

    def topology(self) -> list[Construct]:
        found: set[int] = set()
        out: list[_Vertex] = []

        def visit(n: _Vertex) -> None:
            for c in n.children.values():
                visit(c)
            if id(n) not in found:
                out.append(n)
                found.add(id(n))

        visit(self)
        return [v.value for v in out if v.value is not None]


class DependencyGraph:
    """Constructs under a node, ordered by their dependencies (``cdk8s.DependencyGraph``)."""

    def __init__(self, node: Node) -> None:
        self._root = _Vertex()
        constructs = node.find_all()
        nodes: dict[str, _Vertex] = {}
        for c in constructs:
            nodes[c.node.path] = _Vertex(c)
        if any(is_array_index(k) for k in nodes):
            nodes = {k: nodes[k] for k in sorted(nodes, key=lambda k: (not is_array_index(k), _index(k)))}
        for c in constructs:
            for dep in c.node.dependencies:
                target = nodes.get(dep.node.path)
                if target is None:
                    continue  # outside this graph: charts render only their own objects
                nodes[c.node.path].add_child(target)
        self._simple = not any(c.node._dependencies for c in constructs)
        self._constructs = [v.value for v in nodes.values() if v.value is not None]
        for vertex in nodes.values():
            if not vertex.parents:
                # Orphans are adopted by the root; nothing points at the root, so no cycle
                # can close here (cdk8s searches for one all the same).
                self._root.children[id(vertex)] = vertex
                vertex.parents[id(self._root)] = self._root

    def topology(self) -> list[Construct]:
        """The constructs in dependency order (tree order where nothing depends on anything)."""
        if self._simple:
            return list(self._constructs)
        return self._root.topology()


def _index(key: str) -> int:
    return int(key) if is_array_index(key) else 0


# ---------------------------------------------------------------------------- chart and app


class Chart(Construct):
    """A chart: one manifest file of objects (``cdk8s.Chart``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        disable_resource_name_hashes: bool | None = None,
        labels: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.namespace: str | None = namespace
        self._labels: dict[str, str] = dict(labels or {})
        self._disable_hashes = bool(disable_resource_name_hashes)

    @property
    def labels(self) -> dict[str, str]:
        """The chart's labels (a copy)."""
        return dict(self._labels)

    @staticmethod
    def is_chart(x: Any) -> bool:
        """Whether ``x`` is a chart."""
        return isinstance(x, Chart)

    @staticmethod
    def of(c: IConstruct) -> Chart:
        """The chart ``c`` is defined in."""
        current: Any = c
        while not isinstance(current, Chart):
            current = current.node.scope
            if current is None:
                raise ValueError("cannot find a parent chart (directly or indirectly)")
        return current

    def generate_object_name(self, api_object: ApiObject) -> str:
        """An app-unique name for ``api_object`` from its path."""
        return Names.to_dns_label(
            api_object,
            include_hash=not self._disable_hashes,
            max_len=52 if api_object.kind == _CRONJOB else None,
        )

    def add_dependency(self, *dependencies: IConstruct) -> None:
        """Order this chart after ``dependencies``."""
        self.node.add_dependency(*dependencies)

    @property
    def api_objects(self) -> list[ApiObject]:
        """The chart's direct ``ApiObject`` children."""
        return [c for c in self.node.children if isinstance(c, ApiObject)]

    def to_json(self) -> list[Any]:
        """The chart's objects as JSON, after validating the app (``App._synthChart``)."""
        app = App.of(self)
        _resolve_dependencies(app)
        _validate(app)
        return _chart_documents(self)


def _chart_documents(chart: Chart) -> list[dict[str, Any]]:
    namespace, labels = chart.namespace, chart._labels
    docs = []
    for construct in DependencyGraph(chart.node).topology():
        render = _document_of(construct)
        if render is None or Chart.of(construct) is not chart:
            continue
        doc = render(namespace, labels)
        if doc is not None:
            docs.append(doc)
    return docs


def _validate(app: Construct) -> None:
    errors = []
    for child in app.node.find_all():
        for message in child.node.validate():
            errors.append(f"[{child.node.path}] {message}")
    if errors:
        raise RuntimeError("Validation failed with the following errors:\n  " + "\n  ".join(errors))


def _resolve_dependencies(app: Construct) -> bool:
    dependant = False
    everything = app.node.find_all()
    for parent in everything:
        if isinstance(parent, Chart):
            for child in parent.node.children:
                if isinstance(child, Chart):
                    parent.node.add_dependency(child)
                    dependant = True
    deps = [(c, d) for c in everything for d in c.node.dependencies]
    for source, target in deps:
        source_chart, target_chart = Chart.of(source), Chart.of(target)
        if source_chart is not target_chart:
            source_chart.node.add_dependency(target_chart)
            dependant = True
    for source, target in [(c, d) for c in everything for d in c.node.dependencies]:
        source_chart, target_chart = Chart.of(source), Chart.of(target)
        targets = _own_api_objects(target, target_chart)
        sources = _own_api_objects(source, source_chart)
        for t in targets:
            for s in sources:
                if t is not s:
                    s.node.add_dependency(t)
    return dependant


def _own_api_objects(scope: Construct, chart: Chart) -> list[ApiObject]:
    return [x for x in scope.node.find_all() if isinstance(x, ApiObject) and Chart.of(x) is chart]


class App(Construct):
    """A cdk8s application: the root of the tree (``cdk8s.App``)."""

    def __init__(
        self,
        *,
        outdir: str | None = None,
        output_file_extension: str | None = None,
        record_construct_metadata: bool | None = None,
        resolvers: Sequence[Any] | None = None,
        yaml_output_type: YamlOutputType | None = None,
    ) -> None:
        if resolvers:
            raise_unsupported("cdk8s App(resolvers=...)")
        record = (
            record_construct_metadata
            if record_construct_metadata is not None
            else os.environ.get("CDK8S_RECORD_CONSTRUCT_METADATA") == "true"
        )
        if record:
            raise_unsupported("cdk8s App(record_construct_metadata=True) (construct-metadata.json)")
        super().__init__(None, "")
        self.outdir: str = outdir if outdir is not None else os.environ.get("CDK8S_OUTDIR", "dist")
        self.output_file_extension: str = (
            output_file_extension if output_file_extension is not None else ".k8s.yaml"
        )
        self.yaml_output_type: YamlOutputType = (
            yaml_output_type if yaml_output_type is not None else YamlOutputType.FILE_PER_CHART
        )
        self.resolvers: list[Any] = []

    @staticmethod
    def of(c: IConstruct) -> App:
        """The app at the root of ``c``'s tree."""
        root = c.node.root
        if not isinstance(root, App):
            raise ValueError("the root of the construct tree is not an App")
        return root

    @property
    def charts(self) -> list[Chart]:
        """Every chart, in dependency order."""
        return [c for c in DependencyGraph(self.node).topology() if isinstance(c, Chart)]

    def synth(self) -> None:
        """Write every chart's manifests to ``outdir``."""
        os.makedirs(self.outdir, exist_ok=True)
        _validate(self)
        dependant = _resolve_dependencies(self)
        charts = self.charts
        ext = self.output_file_extension
        kind = self.yaml_output_type
        if kind is YamlOutputType.FILE_PER_APP:
            if charts:
                docs = [d for chart in charts for d in _chart_documents(chart)]
                Yaml.save(os.path.join(self.outdir, f"app{ext}"), docs)
        elif kind is YamlOutputType.FILE_PER_CHART:
            for index, chart in enumerate(charts):
                name = chart_file_name(chart, index if dependant else None)
                Yaml.save(os.path.join(self.outdir, name + ext), _chart_documents(chart))
        elif kind is YamlOutputType.FILE_PER_RESOURCE:
            for chart in charts:
                for doc in _chart_documents(chart):
                    Yaml.save(os.path.join(self.outdir, resource_file_name(doc) + ext), [doc])
        else:
            for index, chart in enumerate(charts):
                folder = os.path.join(self.outdir, chart_file_name(chart, index if dependant else None))
                os.makedirs(folder, exist_ok=True)
                for doc in _chart_documents(chart):
                    Yaml.save(os.path.join(folder, resource_file_name(doc) + ext), [doc])

    def synth_yaml(self) -> str:
        """Every chart's manifests as one YAML string."""
        _resolve_dependencies(self)
        _validate(self)
        return Yaml.stringify(*[d for chart in self.charts for d in _chart_documents(chart)])


def chart_file_name(chart: Any, index: int | None) -> str:
    """The file (or folder) name cdk8s gives a chart: ``<label>`` or ``0000-<label>``."""
    label = Names.to_dns_label(chart)
    return label if index is None else f"{index:04d}-{label}"


def resource_file_name(doc: Mapping[str, Any]) -> str:
    """The file name cdk8s gives one object: ``<kind>.<name>`` without other characters."""
    return re.sub(r"[^0-9a-zA-Z\-_.]", "", f"{doc['kind']}.{doc['metadata']['name']}")


# ---------------------------------------------------------------------------- yaml and testing


class Yaml:
    """YAML output as cdk8s writes it (``cdk8s.Yaml``)."""

    @staticmethod
    def stringify(*docs: Any) -> str:
        """The documents as YAML, joined by ``---``."""
        from kn_constructs._render.yaml import dump_documents

        return dump_documents(list(docs))

    @staticmethod
    def save(file_path: str, docs: Sequence[Any]) -> None:
        """Write the documents to ``file_path``."""
        text = Yaml.stringify(*docs)
        with open(file_path, "w", encoding="utf-8") as handle:
            handle.write(text)

    @staticmethod
    def load(url_or_file: str) -> list[Any]:
        """Refused: reading YAML 1.1 as cdk8s does is not covered."""
        raise_unsupported("cdk8s Yaml.load")


class Testing:
    """Test helpers (``cdk8s.Testing``)."""

    @staticmethod
    def app(*, outdir: str | None = None, **props: Any) -> App:
        """An app writing into a new temporary folder."""
        return App(outdir=outdir if outdir is not None else tempfile.mkdtemp(prefix="cdk8s.outdir."), **props)

    @staticmethod
    def chart() -> Chart:
        """A chart ``test`` in a new test app."""
        return Chart(Testing.app(), "test")

    @staticmethod
    def synth(chart: Chart) -> list[Any]:
        """The chart's objects as JSON."""
        return chart.to_json()


__getattr__ = unsupported_module_getattr("cdk8s")
