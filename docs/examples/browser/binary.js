// Send three bytes to an echo server; resolve with what kind of object came back.
// binaryType "blob" (the default) gives a Blob, "arraybuffer" an ArrayBuffer.
function echoBytes(url, binaryType) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = binaryType;
    socket.onopen = () => socket.send(new Uint8Array([1, 2, 255]));
    socket.onmessage = async (event) => {
      const data = event.data;
      const bytes = new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data);
      resolve(`${data.constructor.name} [${bytes}]`);
      socket.close();
    };
    socket.onerror = () => reject(new Error("connection failed"));
  });
}
