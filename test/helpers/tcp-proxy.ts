/**
 * A TCP proxy in front of a real server (the shared Redis or PostgreSQL) that a test can cut and
 * restore, to stage a store outage without stopping the server other suites use. `cut()` resets
 * every open connection and every new one until `restore()` (what a client sees when the server
 * is down or restarting); `blackhole()` instead accepts connections and forwards nothing, as a
 * dead host or a partitioned network does, so only the client's own timeouts end its calls.
 */
import net from 'node:net';

export type ProxyState = 'open' | 'cut' | 'blackhole';

export class TcpProxy {
  private state: ProxyState = 'open';
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly target: { readonly host: string; readonly port: number },
  ) {}

  /** Listens on a free loopback port and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy?.accept(client));
    proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** In front of the server a `redis://` or `postgresql://` URL names: the proxy and the same URL pointing at it. */
  static async inFrontOf(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
    const parsed = new URL(url);
    const proxy = await TcpProxy.start({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port) || defaultPort });
    parsed.hostname = '127.0.0.1';
    parsed.port = String(proxy.port);
    return { proxy, url: parsed.toString() };
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get current(): ProxyState {
    return this.state;
  }

  /** The server goes away: open connections are reset, new ones are reset as they arrive. */
  cut(): void {
    this.state = 'cut';
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  /** The server stops answering: connections stay open (new ones are accepted) and nothing gets through. */
  blackhole(): void {
    this.state = 'blackhole';
  }

  /** The server is back: new connections are forwarded again (clients reconnect by themselves). */
  restore(): void {
    if (this.state === 'blackhole') {
      // What was held back is gone; clients must see those connections fail and reconnect.
      for (const socket of this.sockets) socket.resetAndDestroy();
      this.sockets.clear();
    }
    this.state = 'open';
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    this.track(client);
    if (this.state === 'blackhole') {
      client.resume(); // read and drop
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    this.track(upstream);
    // Forwarding only while open: a blackhole keeps both ends up and passes nothing.
    client.on('data', (chunk: Buffer) => {
      if (this.state === 'open') upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.state === 'open') client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
