"""Compare the two implementations case by case, and name the documented difference behind each mismatch.

A mismatch is allowed only if exactly one check below explains it, keyed by an
id from `reference_impl.differences.DIFFERENCES`. Each check first asks
whether its difference applies to the case at all, then verifies that the two
outcomes differ exactly as documented: nothing else may differ. Where the
documented claim is "0.29 on a corrected input does what we do", the check runs
0.29 on that corrected input rather than typing the expected value in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from oracle_cases import Case, ScopeCase, scope_cases, websocket_cases
from oracle_driver import DISCONNECT, OURS, THEIRS, Message, Outcome


def _disconnect_reason(case: Case, ours: Outcome, theirs: Outcome) -> bool:
    """0.29 raises `WebSocketDisconnect(code)`; we raise `WebSocketDisconnect(code, message.get("reason"))`.

    So `.reason` differs (0.29's is always ""), and with it `args` and `str()`,
    even when the message has no reason: (1000,) against (1000, None).
    """
    if ours.error != DISCONNECT or not 0 < ours.consumed <= len(case.incoming):
        return False
    message = case.incoming[ours.consumed - 1]
    if not isinstance(message, dict) or message.get("type") != "websocket.disconnect":
        return False
    code, reason = message["code"], message.get("reason")
    ours_as_documented = ours.error_args == (code, reason) and ours.disconnect == (code, reason or "")
    theirs_as_documented = dataclasses.replace(ours, error_args=(code,), error_text=str(code), disconnect=(code, ""))
    return ours_as_documented and theirs == theirs_as_documented


def _has_list_type(message: Message) -> bool:
    return isinstance(message, dict) and isinstance(message.get("type"), list)


def _hashable_twin(message: Message) -> Message:
    return {**message, "type": tuple(message["type"])} if _has_list_type(message) else message


def _unhashable_message_type(case: Case, ours: Outcome, theirs: Outcome) -> bool:
    """0.29 raises `TypeError: unhashable type` where its code tests set membership; we raise the
    state's usual `RuntimeError`: the one 0.29 gives for the same, hashable, wrong type (a tuple).
    """
    culprits = [m for m in (*case.incoming[: ours.consumed], case.outgoing) if _has_list_type(m)]
    if len(culprits) != 1 or theirs.error != "builtins.TypeError" or theirs.error_args != ("unhashable type: 'list'",):
        return False
    twin = dataclasses.replace(
        case, incoming=tuple(map(_hashable_twin, case.incoming)), outgoing=_hashable_twin(case.outgoing)
    )
    usual = twin.run(THEIRS)[1]
    if usual.error != "builtins.RuntimeError":
        return False
    kind = culprits[0]["type"]
    expected = usual.error_text.replace(repr(tuple(kind)), repr(kind))
    ours_as_documented = ours.error == "builtins.RuntimeError" and ours.error_args == (expected,)
    rest_equal = dataclasses.replace(theirs, error=ours.error, error_args=ours.error_args, error_text=ours.error_text)
    return ours_as_documented and ours == rest_equal


def _root_path(case: ScopeCase, ours: Any, theirs: Any) -> bool:
    """0.29 builds `url` from `root_path + path` and `base_url` from `root_path + "/"`; we build
    `url` from `path` alone and add the `/` only if the root path lacks it. So we match 0.29 run
    with no `root_path` and the base root path stripped of one trailing `/`.
    """
    scope = dict(case.scope)
    if not (scope.get("root_path") or scope.get("app_root_path")):
        return False
    base_root = scope.get("app_root_path", scope.get("root_path", ""))
    corrected = {key: value for key, value in scope.items() if key not in ("root_path", "app_root_path")}
    corrected["app_root_path"] = base_root.removesuffix("/")
    return ours == case.with_scope(corrected).run(THEIRS)


def _default_scheme(case: ScopeCase, ours: Any, theirs: Any) -> bool:
    """With no `scheme`, 0.29 acts as if it were "http"; we act as if it were "ws" (websocket scopes)."""
    scope = dict(case.scope)
    if scope["type"] != "websocket" or "scheme" in scope:
        return False
    as_http = case.with_scope({**scope, "scheme": "http"}).run(THEIRS)
    as_ws = case.with_scope({**scope, "scheme": "ws"}).run(THEIRS)
    return theirs == as_http and ours == as_ws


WEBSOCKET_CHECKS: dict[str, Callable[[Case, Outcome, Outcome], bool]] = {
    "disconnect-reason": _disconnect_reason,
    "unhashable-message-type": _unhashable_message_type,
}
SCOPE_CHECKS: dict[str, Callable[[ScopeCase, Any, Any], bool]] = {
    "root-path": _root_path,
    "default-scheme": _default_scheme,
}


@dataclasses.dataclass(frozen=True)
class Result:
    """One compared case: both outcomes and, for a mismatch, the difference that explains it."""

    case: Case | ScopeCase
    ours: Any
    theirs: Any
    difference: str | None = None  # set when the outcomes differ as documented

    @property
    def same(self) -> bool:
        return self.ours == self.theirs

    @property
    def unexplained(self) -> bool:
        return not self.same and self.difference is None

    def describe(self) -> str:
        """A readable diff: the case, then each differing field on its own lines."""
        lines = [self.case.label]
        if isinstance(self.ours, Outcome):
            names = self.ours.differing_fields(self.theirs)
            pairs = [(name, getattr(self.ours, name), getattr(self.theirs, name)) for name in names]
        else:
            pairs = [("value", self.ours, self.theirs)]
        for name, ours, theirs in pairs:
            lines += [f"    {name}:", f"        {OURS.name:>16}: {ours!r}", f"        {THEIRS.name:>16}: {theirs!r}"]
        return "\n".join(lines)


def _explain(checks: dict[str, Callable[[Any, Any, Any], bool]], case: Any, ours: Any, theirs: Any) -> str | None:
    if ours == theirs:
        return None
    matching = [difference for difference, check in checks.items() if check(case, ours, theirs)]
    return matching[0] if len(matching) == 1 else None


@dataclasses.dataclass(frozen=True)
class SetupResult:
    """Where a setup left each implementation: its outcome and the script it used up."""

    case: Case
    ours: Outcome
    theirs: Outcome


def compare_websocket() -> tuple[list[Result], list[SetupResult]]:
    """Run every WebSocket case on both implementations."""
    results, setups = [], []
    for case in websocket_cases():
        (our_setup, ours), (their_setup, theirs) = case.run(OURS), case.run(THEIRS)
        setups.append(SetupResult(case, our_setup, their_setup))
        results.append(Result(case, ours, theirs, _explain(WEBSOCKET_CHECKS, case, ours, theirs)))
    return results, setups


def compare_scopes() -> list[Result]:
    """Run every scope property probe on both implementations."""
    results = []
    for case in scope_cases():
        ours, theirs = case.run(OURS), case.run(THEIRS)
        results.append(Result(case, ours, theirs, _explain(SCOPE_CHECKS, case, ours, theirs)))
    return results
