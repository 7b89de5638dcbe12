r"""A pure-Python ``constructs`` (10.x): the construct tree the library and typical apps use.

Node-free synth (``kn-constructs synth``, ``KN_CONSTRUCTS_NODE_FREE=1``) imports this module
as ``constructs``. It follows ``constructs@10.8.1`` (``lib/construct.js``, class ``Node``), read
for this port:

* ``Node`` constructor: the id is sanitized (``sanitizeId``: ``/`` and the address separator
  ``\\n`` become ``--``); only the root may have an empty id; ``path`` joins the ids with ``/``;
* ``Node.addChild``: a second child with the same id is refused (the same message);
* ``Node.children``: ``Object.values`` of the children object, so integer-like ids
  (``"0"``, ``"17"``) come first in numeric order, then the others in insertion order, as
  in any JavaScript object;
* ``Node.findAll``: depth first, pre-order (or post-order);
* ``Node.addr``: ``"c8"`` + SHA-1 over the ids from the root, each followed by ``\\n``,
  skipping ids ``Default`` (``lib/private/node-addr.js``, ``addressOf``);
* ``Node.defaultChild``: the child ``Default`` or ``Resource`` (both: an error);
* validations: ``addValidation`` and ``validate`` (every validation's messages, flattened);
* dependencies: ``addDependency`` / ``dependencies`` (a construct is its own dependency root).

What is not here (``node.metadata``, mixins, ``Dependable`` groups, aspects) raises
:class:`~kn_constructs._tree.unsupported.NodeFreeUnsupportedError` naming the feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from kn_constructs._names import construct_addr
from kn_constructs._tree.unsupported import NodeFreeUnsupportedError, unsupported_module_getattr

__all__ = ["Construct", "ConstructOrder", "IConstruct", "IValidation", "Node"]

#: Marks this module as the Node-free tree (read by the library to skip jsii).
KN_NODE_FREE = True

_PATH_SEP = "/"
_ADDR_SEP = "\n"
_UINT32_MAX_INDEX = 2**32 - 2


def _sanitize_id(id: str) -> str:
    return id.replace(_PATH_SEP, "--").replace(_ADDR_SEP, "--")


def is_array_index(key: str) -> bool:
    """Whether JavaScript orders ``key`` first in an object (a canonical array index)."""
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) <= _UINT32_MAX_INDEX


def js_key_order(keys: Sequence[str]) -> list[str]:
    """``keys`` in the order JavaScript enumerates an object's own string keys."""
    indices = sorted((k for k in keys if is_array_index(k)), key=int)
    if not indices:
        return list(keys)
    return indices + [k for k in keys if not is_array_index(k)]


class ConstructOrder(Enum):
    """The order of :meth:`Node.find_all`."""

    PREORDER = 0
    POSTORDER = 1


@runtime_checkable
class IValidation(Protocol):
    """An object with a ``validate()`` method returning error messages."""

    def validate(self) -> list[str]:
        """The error messages (empty when valid)."""
        ...


class IConstruct(Protocol):
    """Anything with a construct ``node``."""

    @property
    def node(self) -> Node:
        """The construct's node."""
        ...


class Node:
    """The tree node of a construct (``constructs.Node``)."""

    PATH_SEP = _PATH_SEP

    def __init__(self, host: Construct, scope: Construct | None, id: str | None) -> None:
        self._host = host
        ident = _sanitize_id(id if id is not None else "")
        self.id: str = ident
        self.scope: Construct | None = scope
        self._children: dict[str, Construct] = {}
        self._index_children = False
        self._validations: list[IValidation] = []
        self._dependencies: list[Any] = []
        self._default_child: Construct | None = None
        self._context: dict[str, Any] = {}
        self._addr: str | None = None
        if scope is not None and not ident:
            raise ValueError("Only root constructs may have an empty ID")
        if scope is not None:
            parent = scope.node
            parent._add_child(host, ident)
            self.path: str = f"{parent.path}{_PATH_SEP}{ident}" if parent.path else ident
            self._scopes: list[Construct] = [*parent._scopes, host]
        else:
            self.path = ident
            self._scopes = [host]

    @staticmethod
    def of(construct: IConstruct) -> Node:
        """The node of ``construct``."""
        return construct.node

    def _add_child(self, child: Construct, name: str) -> None:
        if name in self._children:
            type_name = type(self._host).__name__
            where = f" [{self.id}]" if self.id else ""
            raise ValueError(f"There is already a Construct with name '{name}' in {type_name}{where}")
        self._children[name] = child
        if is_array_index(name):
            self._index_children = True

    @property
    def children(self) -> list[Construct]:
        """The direct children, in JavaScript object order (integer-like ids first)."""
        if not self._index_children:
            return list(self._children.values())
        return [self._children[k] for k in js_key_order(list(self._children))]

    @property
    def scopes(self) -> list[Construct]:
        """Every scope from the root down to this construct."""
        return list(self._scopes)

    @property
    def root(self) -> Construct:
        """The root of the tree."""
        return self._scopes[0]

    @property
    def addr(self) -> str:
        """``c8`` + SHA-1 over the path's ids (``Default`` skipped), as constructs computes it."""
        if self._addr is None:
            self._addr = construct_addr(construct.node.id for construct in self._scopes)
        return self._addr

    @property
    def default_child(self) -> Construct | None:
        """The child ``Default`` or ``Resource`` (or the one set explicitly)."""
        if self._default_child is not None:
            return self._default_child
        resource = self._children.get("Resource")
        default = self._children.get("Default")
        if resource is not None and default is not None:
            raise ValueError(
                f"Cannot determine default child for {self.path}. There is both a child with id"
                ' "Resource" and id "Default"'
            )
        return default or resource

    @default_child.setter
    def default_child(self, value: Construct | None) -> None:
        self._default_child = value

    def try_find_child(self, id: str) -> Construct | None:
        """The direct child ``id``, or ``None``."""
        return self._children.get(_sanitize_id(id))

    def find_child(self, id: str) -> Construct:
        """The direct child ``id`` (an error when there is none)."""
        found = self.try_find_child(id)
        if found is None:
            raise ValueError(f"No child with id: '{id}'")
        return found

    def find_all(self, order: ConstructOrder | None = None) -> list[Construct]:
        """The construct and every descendant, depth first (pre-order by default)."""
        post = order is ConstructOrder.POSTORDER
        out: list[Construct] = []

        def visit(construct: Construct) -> None:
            if not post:
                out.append(construct)
            for child in construct.node.children:
                visit(child)
            if post:
                out.append(construct)

        visit(self._host)
        return out

    def try_remove_child(self, child_name: str) -> bool:
        """Remove the direct child ``child_name``; whether there was one."""
        return self._children.pop(child_name, None) is not None

    def add_validation(self, validation: IValidation) -> None:
        """Run ``validation.validate()`` when the app synthesizes."""
        if not callable(getattr(validation, "validate", None)):
            raise TypeError("add_validation() needs an object with a validate() method")
        self._validations.append(validation)

    def validate(self) -> list[str]:
        """Every validation's error messages."""
        return [message for v in self._validations for message in v.validate()]

    def add_dependency(self, *deps: IConstruct) -> None:
        """Order this construct's objects after those of ``deps``."""
        for dep in deps:
            if not isinstance(getattr(dep, "node", None), Node):
                raise NodeFreeUnsupportedError("node.add_dependency() on something other than a construct")
            if dep not in self._dependencies:
                self._dependencies.append(dep)

    @property
    def dependencies(self) -> list[Construct]:
        """The constructs this one depends on directly."""
        return list(self._dependencies)

    def set_context(self, key: str, value: Any) -> None:
        """Set a context value (before any child is added)."""
        if self._children:
            names = ",".join(c.node.id for c in self.children)
            raise ValueError("Cannot set context after children have been added: " + names)
        self._context[key] = value

    def try_get_context(self, key: str) -> Any:
        """The nearest context value ``key`` up the tree, or ``None``."""
        if key in self._context:
            return self._context[key]
        return self.scope.node.try_get_context(key) if self.scope is not None else None

    def get_context(self, key: str) -> Any:
        """The nearest context value ``key`` up the tree (an error when unset)."""
        value = self.try_get_context(key)
        if value is None:
            raise ValueError(f"No context value present for {key} key")
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise NodeFreeUnsupportedError(f"constructs Node.{name}")


class Construct:
    """A construct: a node in the tree (``constructs.Construct``)."""

    def __init__(self, scope: Construct | None, id: str) -> None:
        if scope is not None and not isinstance(scope, Construct):
            raise TypeError(f"scope must be a Construct, not {type(scope).__name__}")
        if not isinstance(id, str):
            raise TypeError(f"id must be a str, not {type(id).__name__}")
        self.node = Node(self, scope, id)

    @staticmethod
    def is_construct(x: Any) -> bool:
        """Whether ``x`` is a construct."""
        return isinstance(x, Construct)

    def to_string(self) -> str:
        """The construct's path (``<root>`` for the root)."""
        return self.node.path or "<root>"

    def __str__(self) -> str:
        return self.to_string()


__getattr__ = unsupported_module_getattr("constructs")
