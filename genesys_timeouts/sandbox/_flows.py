"""Flow documents shaped like Architect's exported flow configuration.

The real exports (see the corpus) keep steps in
``flowSequenceItemList[].actionList[]``; data-action calls are objects with
``"__type": "DataAction"``. To exercise clients that must walk documents
generically, the sandbox also nests calls inside decisions, loops and menu
choices, several levels deep, each container holding its own ``actionList``,
and writes secure calls with the undocumented type ``DataActionSecure``.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._durations import TIMEOUT_VARIABLE, TimeoutSpec, timeout_expression

__all__ = [
    "CALL_TYPES",
    "DOC_TYPES",
    "CallSpec",
    "build_document",
    "find_calls",
]

#: The ``__type`` of a data-action step: normal and secure.
CALL_TYPES = ("DataAction", "DataActionSecure")

#: Flow type as the API names it -> ``type`` inside the document.
DOC_TYPES = {
    "INBOUNDCALL": "inboundcall",
    "INQUEUECALL": "inqueuecall",
    "BOT": "bot",
    "WORKFLOW": "workflow",
}

_MAIN_SEQUENCE = {
    "INBOUNDCALL": "Task",
    "INQUEUECALL": "Task",
    "BOT": "BotState",
    "WORKFLOW": "State",
}

_FILLERS = ("UpdateVariableAction", "DecisionAction", "SetParticipantDataAction")
_CALL_FLOWS = frozenset({"INBOUNDCALL", "INQUEUECALL"})


@dataclasses.dataclass(frozen=True)
class CallSpec:
    """One data-action step to place in a document."""

    action_id: str
    action_name: str
    category: str
    secure: bool
    use_suggested: bool
    timeout: TimeoutSpec
    depth: int
    input_names: tuple[str, ...] = ()


class _Builder:
    """Builds one document; holds the id source and tracking counter."""

    def __init__(self, rng: random.Random, flow_type: str) -> None:
        self._rng = rng
        self.flow_type = flow_type
        self.tracking = 10
        self.variable_id = self.new_id()
        self.uses_variable = False
        self.manifest: dict[str, list[dict[str, Any]]] = {}

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _step(self, kind: str, name: str) -> dict[str, Any]:
        self.tracking += 1
        return {
            "trackingId": self.tracking,
            "id": self.new_id(),
            "name": name,
            "uiMetaData": {"collapsed": False},
            "__type": kind,
        }

    def filler(self) -> dict[str, Any]:
        kind = self._rng.choice(_FILLERS)
        step = self._step(kind, kind.removesuffix("Action").replace("Set", "Set "))
        if kind == "DecisionAction":
            step["paths"] = [
                {"label": "Yes", "outputId": "__YES__"},
                {"label": "No", "outputId": "__NO__"},
            ]
        return step

    def _literal_input(self, name: str) -> dict[str, Any]:
        text = f"{name}-value"
        return {
            "name": name,
            "value": {
                "config": {"lit": {"pos": 1, "text": text, "type": "str"}},
                "text": text,
                "type": "str",
                "uiMetaData": {"mode": 1},
                "metaData": {},
                "version": 2,
            },
        }

    def call(self, spec: CallSpec) -> dict[str, Any]:
        kind = CALL_TYPES[1] if spec.secure else CALL_TYPES[0]
        name = "Call Secure Data Action" if spec.secure else "Call Data Action"
        step = self._step(kind, name)
        if spec.timeout.kind == "variable":
            self.uses_variable = True
        body: dict[str, Any] = {
            "actionName": spec.action_name,
            "actionId": spec.action_id,
            "category": {"id": spec.category, "name": spec.category},
            "useSuggestedTimeout": spec.use_suggested,
            **step,
            "errorBindings": [],
            "inputs": [self._literal_input(n) for n in spec.input_names],
            "outputs": [],
            "timeout": timeout_expression(spec.timeout, self.variable_id),
            "paths": [
                {"label": "Success", "outputId": "__SUCCESS__"},
                {"label": "Failure", "outputId": "__FAILURE__"},
                {"label": "Timeout", "outputId": "__TIMEOUT__"},
            ],
        }
        if self.flow_type in _CALL_FLOWS:
            body["processingPrompt"] = {
                "config": {"emp": {"pos": 1, "text": "", "type": "pmt"}},
                "text": "",
                "type": "pmt",
                "uiMetaData": {"mode": 3},
                "metaData": {},
                "version": 2,
            }
        key = "secureDataAction" if spec.secure else "dataAction"
        entries = self.manifest.setdefault(key, [])
        entry = next((e for e in entries if e["id"] == spec.action_id), None)
        if entry is None:
            entry = {"name": spec.action_name, "id": spec.action_id, "context": []}
            entries.append(entry)
        entry["context"].append({"actionName": name, "id": step["id"], "name": name})

        return body

    def container(self, level: int, inner: list[dict[str, Any]]) -> dict[str, Any]:
        """A decision or loop holding ``inner`` in its own ``actionList``."""
        if level % 2:
            step = self._step("LoopAction", "Loop")
            step["loopCount"] = {"text": "3", "type": "int", "version": 2}
            step["actionList"] = inner
            return step
        step = self._step("DecisionAction", "Decision")
        step["paths"] = [
            {"label": "Yes", "outputId": "__YES__", "actionList": inner},
            {"label": "No", "outputId": "__NO__", "actionList": [self.filler()]},
        ]
        return step

    def nest(self, call: dict[str, Any], depth: int) -> dict[str, Any]:
        node = call
        for level in range(depth):
            node = self.container(level, [self.filler(), node])
        return node


def _sequence(
    builder: _Builder, kind: str, name: str, actions: list[dict[str, Any]]
) -> dict[str, Any]:
    builder.tracking += 1
    sequence: dict[str, Any] = {
        "startAction": actions[0]["id"] if actions else None,
        "trackingId": builder.tracking,
        "id": builder.new_id(),
        "name": name,
        "uiMetaData": {"collapsed": False},
        "__type": kind,
        "actionList": actions,
        "variables": [],
    }
    if kind == "Task":
        sequence["paths"] = [{"label": "Default", "outputId": "__DEFAULT__"}]
    return sequence


def _menu(builder: _Builder, nested: list[dict[str, Any]]) -> dict[str, Any]:
    builder.tracking += 1
    choices = []
    for digit, step in enumerate(nested, start=1):
        task = builder._step("MenuTaskChoiceAction", f"Option {digit}")
        task["actionList"] = [step]
        choices.append(
            {
                "id": builder.new_id(),
                "name": f"Option {digit}",
                "digit": digit,
                "action": task,
            }
        )
    disconnect = builder._step("DisconnectAction", "Disconnect")
    choices.append(
        {"id": builder.new_id(), "name": "Disconnect", "digit": 9, "action": disconnect}
    )

    return {
        "trackingId": builder.tracking,
        "id": builder.new_id(),
        "name": "Main Menu",
        "uiMetaData": {"collapsed": False},
        "__type": "Menu",
        "menuChoiceList": choices,
    }


def build_document(
    rng: random.Random, name: str, flow_type: str, calls: Sequence[CallSpec]
) -> dict[str, Any]:
    """A flow document for a flow of ``flow_type`` that makes ``calls``."""
    builder = _Builder(rng, flow_type)
    main: list[dict[str, Any]] = [builder.filler()]
    second: list[dict[str, Any]] = []
    menu_items: list[dict[str, Any]] = []
    for index, spec in enumerate(calls):
        step = builder.nest(builder.call(spec), spec.depth)
        if spec.depth and flow_type == "INBOUNDCALL" and index % 2:
            menu_items.append(step)
        elif index % 3 == 2:
            second.append(step)
        else:
            main.append(step)
        main.append(builder.filler())
    kind = _MAIN_SEQUENCE[flow_type]
    sequences = [_sequence(builder, kind, "Main", main)]
    if second:
        sequences.append(_sequence(builder, kind, "Lookups", second))
    if menu_items:
        sequences.append(_menu(builder, menu_items))
    variables = []
    if builder.uses_variable:
        variables.append(
            {"id": builder.variable_id, "name": TIMEOUT_VARIABLE, "type": "dur"}
        )
    manifest: dict[str, Any] = {"dataAction": builder.manifest.get("dataAction", [])}
    if "secureDataAction" in builder.manifest:
        manifest["secureDataAction"] = builder.manifest["secureDataAction"]
    manifest.update(
        {
            "language": [{"id": "en-us", "name": "en-us"}],
            "userPrompt": [],
            "systemPrompt": [],
        }
    )

    return {
        "defaultLanguage": "en-US",
        "initialSequence": sequences[0]["id"],
        "name": name,
        "uiMetaData": {
            "actionServiceActions": [
                {
                    "id": spec.action_id,
                    "name": spec.action_name,
                    "category": spec.category,
                }
                for spec in {s.action_id: s for s in calls}.values()
            ]
        },
        "nextTrackingNumber": builder.tracking + 1,
        "supportedLanguages": [{"language": "en-us", "isDefault": True}],
        "manifest": manifest,
        "type": DOC_TYPES[flow_type],
        "debugSettings": {},
        "errorHandling": {},
        "defaultSettings": {},
        "flowMetaData": {
            "flowDocumentVersion": "1.0",
            "minimumServerVersion": "1.0",
            "ttsDataVersion": "1.0",
        },
        "flowSequenceItemList": sequences,
        "variables": variables,
    }


def find_calls(document: Any) -> Iterator[Mapping[str, Any]]:
    """Every data-action step in a document, wherever it is nested."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if node.get("__type") in CALL_TYPES and "actionId" in node:
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
