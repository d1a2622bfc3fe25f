// Open a WebSocket and note everything that happens to it, until it closes.
// Resolves with the notes, e.g. ["readyState 0", "open chat.v1", "message welcome", ...].
function watch(url, { protocols = [], send = [], closeAfter = Infinity } = {}) {
  return new Promise((resolve) => {
    const notes = [];
    const socket = new WebSocket(url, protocols);
    let received = 0;
    notes.push(`readyState ${socket.readyState}`); // 0: CONNECTING
    socket.onopen = () => {
      // 1: OPEN; `protocol` is the subprotocol the server chose ("" for none).
      notes.push(`open readyState ${socket.readyState} protocol "${socket.protocol}"`);
      for (const message of send) socket.send(message);
    };
    socket.onmessage = (event) => {
      notes.push(`message ${event.data}`);
      received += 1;
      if (received >= closeAfter) socket.close(1000, "done"); // readyState 2: CLOSING
    };
    // An error event says only that something failed: never why.
    socket.onerror = () => notes.push("error");
    socket.onclose = (event) => {
      // 3: CLOSED. wasClean: a closing handshake took place.
      notes.push(`close ${event.code} "${event.reason}" wasClean ${event.wasClean}`);
      resolve(notes);
    };
  });
}
