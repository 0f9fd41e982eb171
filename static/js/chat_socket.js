// A websocket that reconnects with backoff (0.5 s doubling to 8 s) and tells its owner when it is back.

export class ReconnectingSocket {
  constructor(path, { onEvent, onOpen, onStatus }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onStatus = onStatus || (() => {});
    this.delay = 500;
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
      this.opened += 1;
      this.onStatus("open");
      this.resolveReady();
      this.onOpen(this.opened > 1);
    };
    ws.onmessage = (message) => {
      try { this.onEvent(JSON.parse(message.data)); } catch (err) { console.error(err); }
    };
    ws.onclose = (event) => {
      if (this.closedForGood || event.code === 4403) {
        this.onStatus(event.code === 4403 ? "refused" : "closed");
        return;
      }
      this.onStatus("reconnecting");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 8000);
    };
  }

  async send(payload) {
    await this.ready;
    this.ws.send(JSON.stringify(payload));
  }

  close() {
    this.closedForGood = true;
    this.ws.close();
  }
}
