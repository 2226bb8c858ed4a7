// Live feed: the SockJS event-bus bridge spoken over its raw WebSocket endpoint (no client library needed).
// The server only lets this session register on the live addresses of its own projects. A dropped connection
// (the UI node restarted or died) is opened again, with growing pauses, on the same address: behind a load
// balancer that reaches another UI node, where the session is valid too (clustered session store).

const PREFIX = 'bitville.live.requests.v1.';
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;

export function openLive(project, onRequest, onState) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const decoder = new TextDecoder();
  let socket = null;
  let ping = null;
  let retry = null;
  let retryMs = FIRST_RETRY_MS;
  let stopped = false;

  function connect() {
    socket = new WebSocket(scheme + '//' + location.host + '/eventbus/websocket');
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS;
      socket.send(JSON.stringify({ type: 'register', address: PREFIX + project }));
      ping = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 20000);
      onState('connected');
    });
    socket.addEventListener('message', (event) => {
      const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data);
      let frame;
      try { frame = JSON.parse(text); } catch (e) { return; }
      if (frame.type === 'rec' && frame.body && frame.body.project === project) onRequest(frame.body);
      if (frame.type === 'err') {
        stopped = true;
        onState('refused');
        socket.close();
      }
    });
    socket.addEventListener('close', () => {
      clearInterval(ping);
      if (stopped) return;
      onState('reconnecting');
      retry = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  connect();
  return {
    close: () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      socket.close();
    },
  };
}
