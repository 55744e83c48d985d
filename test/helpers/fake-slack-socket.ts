/**
 * The WebSocket side of a fake Slack in Socket Mode, on 127.0.0.1, speaking the protocol of
 * docs.slack.dev/apis/events-api/using-socket-mode (and what @slack/socket-mode expects of it):
 *
 * - `apps.connections.open` (answered by FakeSlack with an app-level token) hands out a one-time
 *   URL `ws://127.0.0.1:<port>/link/?ticket=…&app_id=…` from `newConnectionUrl()`;
 * - on connect the server sends `hello` (num_connections, debug_info, connection_info.app_id);
 * - `deliver()` sends an envelope `{envelope_id, type, payload, accepts_response_payload,
 *   retry_attempt, retry_reason}` and resolves with the client's acknowledgement
 *   `{envelope_id, payload?}`;
 * - `requestDisconnect()` sends `{"type":"disconnect","reason":"refresh_requested"}`, after which a
 *   well-behaved client closes and opens a fresh connection (a new `apps.connections.open`).
 *
 * What the real service would not accept is kept in `violations` (shared with FakeSlack, so its
 * `assertNoViolations()` covers both): a URL not issued or used twice, a message that is not an
 * acknowledgement, an ack for an envelope never sent (or acked twice), a response payload where
 * the envelope accepts none, and an envelope not acknowledged within Slack's 3 seconds.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Violation } from './fake-slack';

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface SocketEnvelope {
  readonly envelope_id: string;
  readonly type: EnvelopeType;
  readonly payload: Record<string, unknown>;
  readonly accepts_response_payload: boolean;
  readonly retry_attempt: number;
  readonly retry_reason: string;
}

export interface RecordedAck {
  readonly envelopeId: string;
  /** What the client sent back in `payload` (absent when it sent none). */
  readonly payload?: Record<string, unknown>;
  /** Which connection (index in `connections`) carried it. */
  readonly connection: number;
}

export interface SocketConnection {
  readonly index: number;
  readonly ticket: string;
  open: boolean;
  /** Close code once closed (1000 when the client closed normally). */
  closeCode?: number;
}

export interface DeliverOptions {
  readonly acceptsResponsePayload?: boolean;
  readonly retryAttempt?: number;
  readonly retryReason?: string;
  readonly envelopeId?: string;
}

interface Pending {
  readonly envelope: SocketEnvelope;
  readonly timer: NodeJS.Timeout;
  resolve(ack: RecordedAck): void;
  reject(err: Error): void;
}

/** Slack redelivers (and counts as failed) an envelope not acknowledged within 3 seconds. */
export const SLACK_ACK_TIMEOUT_MS = 3000;

export class FakeSlackSocket {
  readonly connections: SocketConnection[] = [];
  readonly delivered: SocketEnvelope[] = [];
  readonly acks: RecordedAck[] = [];
  /** Every text message the client sent, parsed or not, in order. */
  readonly received: unknown[] = [];

  private readonly sockets = new Map<number, WebSocket>();
  private readonly issuedTickets = new Set<string>();
  private readonly usedTickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly acknowledged = new Set<string>();
  private readonly connectionWaiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly server: WebSocketServer,
    private readonly appId: string,
    readonly violations: Violation[],
    private readonly ackTimeoutMs: number,
  ) {
    server.on('connection', (socket, req) => this.onConnection(socket, req));
  }

  static async start(options: { appId: string; violations: Violation[]; ackTimeoutMs?: number }): Promise<FakeSlackSocket> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new FakeSlackSocket(server, options.appId, options.violations, options.ackTimeoutMs ?? SLACK_ACK_TIMEOUT_MS);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A one-time WebSocket URL, as `apps.connections.open` returns. */
  newConnectionUrl(): string {
    const ticket = randomUUID();
    this.issuedTickets.add(ticket);
    return `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Connections open now (the client has been sent `hello`). */
  openConnections(): SocketConnection[] {
    return this.connections.filter((c) => c.open);
  }

  /** Resolves once `count` connections have been opened in total (since the start). */
  async waitForConnections(count: number): Promise<void> {
    while (this.connections.length < count) await new Promise<void>((resolve) => this.connectionWaiters.push(resolve));
  }

  /** Resolves once no connection is open. */
  async waitUntilAllClosed(): Promise<void> {
    while (this.openConnections().length > 0) await new Promise<void>((resolve) => this.connectionWaiters.push(resolve));
  }

  /**
   * Sends an envelope on the newest open connection; resolves with the client's acknowledgement,
   * rejects (and records a violation) when none comes in time.
   */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, options: DeliverOptions = {}): Promise<RecordedAck> {
    const connection = this.openConnections().at(-1);
    const socket = connection ? this.sockets.get(connection.index) : undefined;
    if (!connection || !socket) return Promise.reject(new Error('no open Socket Mode connection to deliver on'));
    const envelope: SocketEnvelope = {
      envelope_id: options.envelopeId ?? randomUUID(),
      type,
      payload,
      accepts_response_payload: options.acceptsResponsePayload ?? type !== 'events_api',
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryReason ?? '',
    };
    this.delivered.push(envelope);
    return new Promise<RecordedAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        const problem = `envelope ${envelope.envelope_id} (${type}) not acknowledged within ${this.ackTimeoutMs} ms`;
        this.violations.push({ where: 'socket mode', problems: [problem], params: envelope });
        reject(new Error(problem));
      }, this.ackTimeoutMs);
      this.pending.set(envelope.envelope_id, { envelope, timer, resolve, reject });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Asks the client to reconnect, as Slack does before recycling a connection. */
  requestDisconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    const connection = this.openConnections().at(-1);
    const socket = connection ? this.sockets.get(connection.index) : undefined;
    if (!socket) throw new Error('no open Socket Mode connection to disconnect');
    socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`fake Slack closed before envelope ${pending.envelope.envelope_id} was acknowledged`));
    }
    this.pending.clear();
    for (const socket of this.sockets.values()) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private violation(problem: string, params: unknown): void {
    this.violations.push({ where: 'socket mode', problems: [problem], params });
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const index = this.connections.length;
    const connection: SocketConnection = { index, ticket, open: true };
    if (!/^\/link\/?$/.test(url.pathname) || !this.issuedTickets.has(ticket) || this.usedTickets.has(ticket)) {
      // Slack's URLs are single-use: a client must call apps.connections.open for every connection.
      this.violation(`connection to ${url.pathname}${url.search}: not a URL apps.connections.open issued, or one already used`, req.url);
      socket.close(1008, 'invalid ticket');
      return;
    }
    this.usedTickets.add(ticket);
    this.connections.push(connection);
    this.sockets.set(index, socket);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(connection, data, isBinary));
    socket.on('close', (code: number) => {
      connection.open = false;
      connection.closeCode = code;
      this.sockets.delete(index);
      this.wakeWaiters();
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnections().length,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const wake of this.connectionWaiters.splice(0)) wake();
  }

  private onMessage(connection: SocketConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.violation('binary frame: Socket Mode takes JSON text', null);
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.received.push(text);
      this.violation('message is not JSON', text);
      return;
    }
    this.received.push(message);
    const { envelope_id: envelopeId, payload, ...rest } = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    if (typeof envelopeId !== 'string') {
      this.violation('client message is not an acknowledgement (no envelope_id)', message);
      return;
    }
    if (Object.keys(rest).length > 0) this.violation(`acknowledgement has unknown fields: ${Object.keys(rest).join(', ')}`, message);
    if (payload !== undefined && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
      this.violation('acknowledgement payload must be an object', message);
    }
    if (this.acknowledged.has(envelopeId)) {
      this.violation(`envelope ${envelopeId} acknowledged twice`, message);
      return;
    }
    const pending = this.pending.get(envelopeId);
    if (!pending) {
      this.violation(`acknowledgement for an unknown envelope ${envelopeId}`, message);
      return;
    }
    const body = payload as Record<string, unknown> | undefined;
    if (!pending.envelope.accepts_response_payload && body && Object.keys(body).length > 0) {
      this.violation(`envelope ${envelopeId} (${pending.envelope.type}) accepts no response payload`, message);
    }
    clearTimeout(pending.timer);
    this.pending.delete(envelopeId);
    this.acknowledged.add(envelopeId);
    const ack: RecordedAck = { envelopeId, ...(body ? { payload: body } : {}), connection: connection.index };
    this.acks.push(ack);
    pending.resolve(ack);
  }
}
