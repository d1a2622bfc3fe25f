// Keep a connection open: reconnect after a drop, waiting longer each time.
//
// The n-th retry in a row waits a random time between 0 and
// min(maxDelay, baseDelay * 2 ** n) ms ("full jitter": after a server restart,
// clients do not all come back at the same instant). The count of retries
// starts again only once a connection has stayed open for `stableAfter` ms, so
// a server that accepts and then drops at once does not get a tight loop.
// After `maxRetries` failed retries in a row, or a close that retrying cannot
// fix (the client's own close, the server's 1008 or 4400-4499), it gives up.
function keepConnected(url, {
  baseDelay = 500, maxDelay = 30000, maxRetries = 10, stableAfter = 5000,
  onmessage = () => {}, onstatus = () => {},
} = {}) {
  let socket = null;
  let retries = 0;
  let stopped = false;
  let timer = null;

  function connect() {
    socket = new WebSocket(url);
    let stable = null;
    socket.onopen = () => {
      onstatus("open");
      stable = setTimeout(() => { retries = 0; }, stableAfter);
    };
    socket.onmessage = (event) => onmessage(event.data);
    socket.onclose = (event) => {
      clearTimeout(stable);
      onstatus(`close ${event.code}`);
      const hopeless = event.code === 1008 || (event.code >= 4400 && event.code <= 4499);
      if (stopped || hopeless || retries >= maxRetries) {
        onstatus(stopped ? "stopped" : "gave up");
        return;
      }
      const delay = Math.random() * Math.min(maxDelay, baseDelay * 2 ** retries);
      retries += 1;
      timer = setTimeout(connect, delay);
    };
  }

  connect();
  return {
    send: (data) => socket.readyState === WebSocket.OPEN && (socket.send(data), true),
    stop: () => { stopped = true; clearTimeout(timer); socket.close(1000); },
  };
}
