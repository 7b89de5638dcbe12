"""The JSON an ``ApiObject`` renders to, computed in Python.

This follows ``ApiObject.toJson`` (``cdk8s/lib/api-object.js``, cdk8s 2.70.115) step by step:

1. ``data = {...props, metadata: this.metadata.toJson()}``, where the metadata is
   ``ApiObjectMetadataDefinition`` (``cdk8s/lib/metadata.js``) built in the ``ApiObject``
   constructor: ``name``, the user's metadata, ``namespace: metadata.namespace ??
   chart.namespace``, ``labels: {...chart.labels, ...metadata.labels}``; its ``toJson`` runs
   ``sanitizeValue`` with ``filterEmptyArrays`` and ``filterEmptyObjects``, so empty labels,
   annotations, finalizers and owner references vanish, and an empty metadata vanishes whole.
2. ``sanitizeValue(resolve(data), {sortKeys: true})`` (``cdk8s/lib/_util.js``): ``null`` and
   ``undefined`` values dropped from objects (but kept as ``null`` in arrays), every object's
   keys sorted by ``Array.prototype.sort`` (UTF-16 code units), recursively.
3. ``JsonPatch.apply(json, ...patches)`` (``cdk8s/lib/json-patch.js``): fast-json-patch 3.1.1's
   ``applyPatch`` on the sorted document, mutating it, with the operations first cloned by
   ``deepClone`` = ``JSON.parse(JSON.stringify(ops))`` (``fast-json-patch/commonjs/helpers.js``
   ``_deepClone``): patch content keeps its insertion order, and loses negative zero (``-0``
   becomes ``0``). ``copy`` clones an object or array source the same way but copies a
   primitive as it is (``-0`` stays); ``move`` does not clone.
4. The top level reordered: ``apiVersion``, ``kind``, ``metadata``, then the rest in order.

Every object built on the way is a JavaScript object, so array-index keys (``"0"``, ``"42"``)
come first in numeric order wherever they are (see :mod:`kn_constructs._render._jsvalue`).
``resolve`` changes nothing for plain data (its resolvers act on ``Lazy`` values and objects with
a ``resolve`` method, which plain data does not hold).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from kn_constructs._render._jsvalue import (
    is_array_index,
    js_string,
    order_keys,
    reject,
    utf16_sort_key,
)
from kn_constructs.errors import KnConstructsError

__all__ = ["PatchError", "api_object_json"]

_MAX_DOUBLE = 1.7976931348623157e308
_OPS = ("add", "remove", "replace", "copy", "move", "test")


class PatchError(KnConstructsError, ValueError):
    """A JSON patch that cdk8s would fail to apply (a missing parent, a failed ``test``)."""


def _scalar(value: object, path: str) -> object:
    t = type(value)
    if t is str or t is bool or t is int:
        if t is int and not -_MAX_DOUBLE <= value <= _MAX_DOUBLE:  # type: ignore[operator]
            reject(
                path,
                value,
                "an int beyond the double range reaches cdk8s as Infinity and is written as null",
                "give a smaller number, or the digits as a string",
            )
        return value
    if t is float:
        if math.isfinite(value):  # type: ignore[arg-type]
            return value
        reject(
            path,
            value,
            f"{value!r} cannot reach cdk8s: jsii stops on a float that is not finite",
            "give a finite number, or a string such as '.inf' if the text is meant",
        )
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _scalar(int(value), path)
    if isinstance(value, float):
        return _scalar(float(value), path)
    reject(
        path,
        value,
        f"cannot render a {type(value).__name__} in a manifest",
        "give plain data: dict, list, str, int, float, bool or None",
    )


def _js_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A dict listing ``pairs`` as a JavaScript object would (array-index keys first)."""
    for key, _ in pairs:
        if key and key[0] in "0123456789":
            lookup = dict(pairs)
            return {k: lookup[k] for k in order_keys([k for k, _ in pairs])}
    return dict(pairs)


def _key(key: object, path: str) -> str:
    if isinstance(key, str):
        return str(key)
    reject(
        path,
        key,
        f"a mapping key must be a str, got {type(key).__name__} {key!r}",
        "write the key as a string (jsii would silently turn it into one)",
    )


def _sanitize(value: object, path: str, filter_empty: bool) -> Any:
    """``sanitizeValue`` (with ``sortKeys``); ``None`` stands for ``undefined``."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        keys = [_key(k, path) for k, v in value.items() if v is not None]
        if all(k.isascii() for k in keys):
            keys.sort()
        else:
            keys.sort(key=lambda k: utf16_sort_key(js_string(k)))
        pairs = []
        for key in keys:
            sub = _sanitize(value[key], f"{path}.{key}" if path else key, filter_empty)
            if sub is not None:
                pairs.append((key, sub))
        if filter_empty and not pairs:
            return None
        return _js_object(pairs)
    if isinstance(value, (list, tuple)):
        if filter_empty and not value:
            return None
        return [_sanitize(item, f"{path}[{i}]", filter_empty) for i, item in enumerate(value)]
    return _scalar(value, path)


class _Unclonable(Exception):  # noqa: N818 - internal signal, never escapes this module
    """Raised by :func:`_fast_clone`; :func:`_clone` then finds and names the value."""


def _fast_clone(value: Any) -> Any:
    """``_clone`` for plain ``dict``/``list``/``str``/``int``/``bool`` data, without paths."""
    t = type(value)
    if t is str or t is bool:
        return value
    if t is int:
        if -_MAX_DOUBLE <= value <= _MAX_DOUBLE:
            return value
        raise _Unclonable
    if t is dict:
        out = {}
        index = False
        for key, item in value.items():
            if item is None:
                continue
            if type(key) is not str:
                raise _Unclonable
            if not index and key and "0" <= key[0] <= "9":
                index = is_array_index(key)
            out[key] = _fast_clone(item)
        if index:
            return _js_object(list(out.items()))
        return out
    if t is list:
        return [None if item is None else _fast_clone(item) for item in value]
    if t is float:
        if value == 0:
            return 0  # JSON.stringify(-0) === "0"
        if value - value == 0:  # finite
            return value
    raise _Unclonable


def _clone(value: object, path: str) -> Any:
    """What ``JSON.parse(JSON.stringify(value))`` gives for a value that came from Python."""
    try:
        return _fast_clone(value)
    except (_Unclonable, RecursionError):
        return _slow_clone(value, path)


def _slow_clone(value: object, path: str) -> Any:
    if isinstance(value, Mapping):
        pairs = [(_key(k, path), _slow_clone(v, f"{path}/{k}")) for k, v in value.items() if v is not None]
        return _js_object(pairs)
    if isinstance(value, (list, tuple)):
        return [None if item is None else _slow_clone(item, f"{path}/{i}") for i, item in enumerate(value)]
    if value is None:
        return None
    scalar = _scalar(value, path)
    if type(scalar) is float and scalar == 0:
        return 0
    return scalar


def _reorder_in_place(obj: dict[str, Any]) -> None:
    keys = list(obj)
    ordered = order_keys(keys)
    if ordered is not keys and ordered != keys:
        items = [(k, obj[k]) for k in ordered]
        obj.clear()
        obj.update(items)


def _split(pointer: str, where: str) -> list[str]:
    if not isinstance(pointer, str):
        raise PatchError(f"{where}: a JSON patch path must be a str, got {type(pointer).__name__}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"{where}: JSON pointer {pointer!r} must start with '/'")
    parts = pointer.split("/")[1:]
    keys = [p.replace("~1", "/").replace("~0", "~") if "~" in p else p for p in parts]
    for i, key in enumerate(keys):
        if key == "__proto__" or (key == "prototype" and i > 0 and keys[i - 1] == "constructor"):
            raise PatchError(f"{where}: modifying `__proto__` or `constructor/prototype` is banned")
    return keys


def _parent(doc: Any, keys: list[str], pointer: str, where: str) -> Any:
    obj = doc
    for key in keys[:-1]:
        if isinstance(obj, list):
            if key == "-" or not (key.isascii() and key.isdigit()) or int(key) >= len(obj):
                raise PatchError(f"{where}: cannot follow {pointer!r}: no element {key!r}")
            obj = obj[int(key)]
        elif isinstance(obj, dict):
            if key not in obj:
                raise PatchError(f"{where}: cannot follow {pointer!r}: no key {key!r}")
            obj = obj[key]
        else:
            raise PatchError(f"{where}: cannot follow {pointer!r}: {key!r} is inside a scalar")
    if not isinstance(obj, (dict, list)):
        raise PatchError(f"{where}: cannot apply at {pointer!r}: the parent is not an object or array")
    return obj


def _get(doc: Any, pointer: str, where: str) -> Any:
    keys = _split(pointer, where)
    if not keys:
        return doc
    parent = _parent(doc, keys, pointer, where)
    key = keys[-1]
    if isinstance(parent, list):
        if key.isascii() and key.isdigit() and int(key) < len(parent):
            return parent[int(key)]
        raise PatchError(f"{where}: nothing at {pointer!r}")
    if key not in parent:
        raise PatchError(f"{where}: nothing at {pointer!r}")
    return parent[key]


def _apply(doc: Any, op: str, pointer: str, value: Any, where: str) -> Any:
    """fast-json-patch ``applyOperation`` (core.js, 3.1.1), no validation, mutating."""
    if op == "copy":
        # _deepClone JSON-clones objects only; a primitive (even -0) is copied as it is.
        source = _get(doc, value, where)
        copied = _clone(source, where) if isinstance(source, (dict, list)) else source
        return _apply(doc, "add", pointer, copied, where)
    if op == "move":
        moved = _get(doc, value, where)
        doc = _apply(doc, "remove", value, None, where)
        return _apply(doc, "add", pointer, moved, where)
    keys = _split(pointer, where)
    if not keys:
        if op in ("add", "replace"):
            return value
        if op == "test":
            if not _equal(doc, value):
                raise PatchError(f"{where}: Test operation failed")
            return doc
        raise PatchError(f"{where}: cannot remove the whole document")
    parent = _parent(doc, keys, pointer, where)
    key = keys[-1]
    if isinstance(parent, list):
        if key == "-":
            index = len(parent)
        elif key.isascii() and key.isdigit():
            index = int(key)
        else:
            raise PatchError(f"{where}: {key!r} is not an array index in {pointer!r}")
        if op == "add":
            parent.insert(min(index, len(parent)), value)
        elif op == "replace":
            if index >= len(parent):
                raise PatchError(f"{where}: no element {index} to replace at {pointer!r}")
            parent[index] = value
        elif op == "remove":
            if index < len(parent):
                del parent[index]
        elif op == "test" and not _equal(parent[index] if index < len(parent) else None, value):
            raise PatchError(f"{where}: Test operation failed")
        return doc
    if op in ("add", "replace"):
        parent[key] = value
        if is_array_index(key):
            _reorder_in_place(parent)
    elif op == "remove":
        parent.pop(key, None)
    elif op == "test" and not _equal(parent.get(key), value):
        raise PatchError(f"{where}: Test operation failed")
    return doc


def _equal(a: Any, b: Any) -> bool:
    """fast-json-patch ``_areEquals``: deep equality, key order ignored."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def api_object_json(
    *,
    api_version: str,
    kind: str,
    metadata: Mapping[str, Any] | None = None,
    props: Mapping[str, Any] | None = None,
    patches: Sequence[tuple[str, str, Any]] = (),
    chart_namespace: str | None = None,
    chart_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dict cdk8s' ``ApiObject.toJson()`` returns for such an object (key order included).

    Args:
        api_version: ``apiVersion`` (``GROUP/VERSION`` or ``VERSION``).
        kind: ``kind``.
        metadata: The object's metadata as JSON (``name``, ``namespace``, ``labels``,
            ``annotations``, ``finalizers``, ``ownerReferences``, anything else); ``name`` is
            required (cdk8s' generated names need the construct path: give the name it
            generated). ``None`` values count as absent, as they do through jsii.
        props: Further top-level fields given with the props (JavaScript ``ApiObject`` props
            beyond ``apiVersion``/``kind``/``metadata``); they are sorted like metadata.
        patches: JSON-patch operations as ``(op, path, value)``; for ``copy`` and ``move`` the
            third item is the ``from`` pointer, for ``remove`` it is ignored. ``None`` as the
            value of ``add``/``replace``/``test`` is refused: through jsii it becomes
            ``undefined``, which fast-json-patch sets as the key's value and ``yaml`` writes as
            ``key: null`` (a key that is neither absent nor meant).
        chart_namespace: The chart's ``namespace``; used when metadata names none.
        chart_labels: The chart's ``labels``; the object's own labels win.

    Raises:
        RenderInputError: a value jsii or cdk8s cannot carry (``KNC-TYPE``: NaN, a non-str key).
        PatchError: a patch cdk8s would fail to apply.
    """
    if not isinstance(api_version, str) or not api_version or api_version.count("/") > 1:
        reject("apiVersion", api_version, "apiVersion must be GROUP/VERSION or VERSION", "e.g. 'v1'")
    if not isinstance(kind, str) or not kind:
        reject("kind", kind, "kind must be a non-empty str", "e.g. 'ConfigMap'")
    given = {} if metadata is None else _mapping(metadata, "metadata")
    user = {k: v for k, v in given.items() if v is not None}
    name = user.get("name")
    if not isinstance(name, str):
        reject("metadata.name", name, "metadata.name must be a str", "give the object's name")
    if chart_namespace is not None and not isinstance(chart_namespace, str):
        reject("chart_namespace", chart_namespace, "chart_namespace must be a str or None", "e.g. 'models'")
    where = f"{kind}/{name}"
    options: dict[str, Any] = {"name": name, **user}
    namespace = user.get("namespace")
    options["namespace"] = chart_namespace if namespace is None else namespace
    labels: dict[str, Any] = {}
    if chart_labels is not None:
        labels.update(_mapping(chart_labels, "chart_labels"))
    if user.get("labels") is not None:
        labels.update(_mapping(user["labels"], "metadata.labels"))
    options["labels"] = labels
    meta_source = {
        **options,
        "name": name,
        "namespace": options["namespace"],
        "annotations": dict(_mapping(user.get("annotations") or {}, "metadata.annotations")),
        "finalizers": list(user.get("finalizers") or []),
        "ownerReferences": list(user.get("ownerReferences") or []),
        "labels": labels,
    }
    meta_json = _sanitize(meta_source, "metadata", True)
    data: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    if props is not None:
        for key, value in _mapping(props, "props").items():
            if key in ("apiVersion", "kind", "metadata"):
                reject(f"props.{key}", value, f"{key} is given by its own argument", f"pass {key}= instead")
            data[key] = value
    data["metadata"] = meta_json
    doc: Any = _sanitize(data, "", False)
    if isinstance(patches, (str, bytes)) or not isinstance(patches, Sequence):
        reject("patches", patches, "patches must be a sequence of (op, path, value)", "a list")
    cloned = []
    for i, patch in enumerate(patches):
        if not isinstance(patch, tuple | list) or len(patch) != 3 or patch[0] not in _OPS:
            ops = ", ".join(_OPS)
            reject(f"patches[{i}]", patch, f"a patch is (op, path, value) with op one of {ops}", "")
        op, pointer, value = patch
        if value is None and op in ("add", "replace", "test"):
            reject(
                f"patches[{i}]",
                patch,
                f"a {op!r} patch with value None: cdk8s would write the key with a null value",
                "remove the key with a 'remove' patch, or give a value",
            )
        cloned.append((op, pointer, value if op in ("copy", "move") else _clone(value, f"patches[{i}]")))
    for op, pointer, value in cloned:
        doc = _apply(doc, op, pointer, value, where)
    if not isinstance(doc, dict):
        raise PatchError(f"{where}: the patched document is not an object")
    result = {k: doc[k] for k in ("apiVersion", "kind", "metadata") if k in doc}
    for key, value in doc.items():
        if key not in result:
            result[key] = value
    return _js_object(list(result.items()))


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        reject(path, value, f"{path} must be a mapping, got {type(value).__name__}", "give a dict")
    return value
