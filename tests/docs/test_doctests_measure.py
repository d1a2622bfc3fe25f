"""What the harness counts as covered: public names, direct calls, rendered reference ids."""

from __future__ import annotations

from doctests.runner.collect import Session, Snippet
from doctests.runner.coverage import CallRecorder, missing_from_reference, public_names
from doctests.runner.run import Runner


def test_public_names_follow_the_documented_definition() -> None:
    names = {name.name: name for name in public_names()}
    for expected in ("WebSocket", "WebSocket.receive", "WebSocketClose.__call__", "HTTPConnection.url_for"):
        assert expected in names
    for expected in ("InMemoryPeer.feed_text", "URL.replace", "datastructures.parse_cookies", "transitions.advance"):
        assert expected in names
    assert "WebSocketState" in names
    assert "Row.next_state" in names
    # Private helpers and data are not names; inherited members count once, for their owner.
    assert not any(name.split(".")[-1].startswith("_") and not name.endswith("__call__") for name in names)
    assert "WebSocket.url" not in names
    assert "TABLE" not in names
    assert "transitions.TABLE" not in names
    # ... and may be rendered under a public subclass.
    assert "WebSocket.url" in names["HTTPConnection.url"].anchors


def test_only_direct_calls_count() -> None:
    source = (
        "from reference_impl import InMemoryPeer, WebSocket\n"
        "peer = InMemoryPeer()\n"
        "websocket = WebSocket(peer.scope, peer.receive, peer.send)\n"
        "await websocket.accept()\n"
        "peer.feed_text('x')\n"
        "assert await websocket.receive_text() == 'x'\n"
    )
    session = Session("example.md", [Snippet("example.md", 1, "script", source)])
    with CallRecorder(public_names()) as recorder:
        [outcome] = Runner().run(session)
    assert outcome.status == "passed", outcome.message
    assert {"InMemoryPeer", "WebSocket", "WebSocket.accept", "InMemoryPeer.feed_text", "WebSocket.receive_text"} <= (
        recorder.called
    )
    # accept() and receive_text() call these internally: that is not an example of them.
    assert not {"WebSocket.receive", "WebSocket.send", "InMemoryPeer.receive"} & recorder.called


def test_rendered_reference_is_matched_by_id_suffix() -> None:
    names = [name for name in public_names() if name.name in ("WebSocket.receive", "HTTPConnection.url")]
    ids = {"reference_impl.websockets.WebSocket.url", "reference_impl.websockets.WebSocket.receive_text"}
    assert missing_from_reference(names, ids) == ["WebSocket.receive"]
    assert missing_from_reference(names, ids | {"reference_impl.websockets.WebSocket.receive"}) == []


def test_every_module_of_reference_impl_is_described_once() -> None:
    import pkgutil

    import reference_impl
    from doctests.reference import MODULES, PACKAGE

    found = {PACKAGE} | {f"{PACKAGE}.{info.name}" for info in pkgutil.iter_modules(reference_impl.__path__)}
    names = [module.name for module in MODULES]
    assert sorted(names) == sorted(found)
    assert len(set(names)) == len(names)
