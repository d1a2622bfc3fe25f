// Try to close an open socket with `code` and `reason`; resolve with the
// exception's name if close() throws, or with the close event the server answered.
function tryClose(url, code, reason) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.onerror = () => reject(new Error("connection failed"));
    socket.onopen = () => {
      try {
        socket.close(code, reason); // Only 1000 or 3000-4999; reason at most 123 UTF-8 bytes.
      } catch (error) {
        socket.close(); // The socket is still open: close it without a code.
        resolve(error.name); // "InvalidAccessError" or "SyntaxError"
        return;
      }
      socket.onclose = (event) => resolve(`closed ${event.code} "${event.reason}"`);
    };
  });
}
