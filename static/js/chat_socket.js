// A websocket that reconnects with backoff (0.5 s doubling to 8 s) and tells its owner when it is back.
// onStatus(status, info): "open", "reconnecting" (info: attempt number and the delay before it, in ms),
// "refused" or "closed".

export class ReconnectingSocket {
  constructor(path, { onEvent, onOpen, onStatus }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onStatus = onStatus || (() => {});
    this.delay = 500;
    this.attempt = 0;
    this.opened = 0;
    this.closedForGood = false;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
    ws.onopen = () => {
      this.delay = 500;
      this.attempt = 0;
      this.opened += 1;
      this.onStatus("open", { again: this.opened > 1 });
      this.resolveReady();
      this.onOpen(this.opened > 1);
    };
    ws.onmessage = (message) => {
      try { this.onEvent(JSON.parse(message.data)); } catch (err) { console.error(err); }
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return; // an old socket closing late
      if (this.closedForGood || event.code === 4403) {
        this.onStatus(event.code === 4403 ? "refused" : "closed");
        return;
      }
      this.attempt += 1;
      this.onStatus("reconnecting", { attempt: this.attempt, delay: this.delay });
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 8000);
    };
  }

  // Whether a frame sent now reaches the server's socket (not a promise to wait for the next one).
  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  async send(payload) {
    await this.ready;
    this.ws.send(JSON.stringify(payload));
  }

  // Send only if the socket is open now; false when it is not (the caller keeps the message).
  sendNow(payload) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(payload));
    return true;
  }

  close() {
    this.closedForGood = true;
    this.ws.close();
  }
}
