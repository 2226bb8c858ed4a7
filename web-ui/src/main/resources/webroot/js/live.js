// Live feed: the SockJS event-bus bridge spoken over its raw WebSocket endpoint (no client library needed).
// The server only lets this session register on the live addresses of its own projects.

const PREFIX = 'bitville.live.requests.v1.';

export function openLive(project, onRequest, onState) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(scheme + '//' + location.host + '/eventbus/websocket');
  socket.binaryType = 'arraybuffer';
  const decoder = new TextDecoder();
  let ping = null;
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'register', address: PREFIX + project }));
    ping = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 20000);
    onState('connected');
  });
  socket.addEventListener('message', (event) => {
    const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data);
    let frame;
    try { frame = JSON.parse(text); } catch (e) { return; }
    if (frame.type === 'rec' && frame.body && frame.body.project === project) onRequest(frame.body);
    if (frame.type === 'err') onState('refused');
  });
  socket.addEventListener('close', () => { clearInterval(ping); onState('closed'); });
  return { close: () => { clearInterval(ping); socket.close(); } };
}
