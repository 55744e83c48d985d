/**
 * Keeps each turn of the event loop short when many answers have work at the same moment (SPEC §5).
 *
 * Messages that arrive together are worked on together: a burst of mentions reaches the pipeline
 * in one turn, its store replies come back in one, its first tokens arrive in one, and each step
 * costs the thread a fraction of a millisecond (a request to build and send, a reply to parse).
 * Run as they come, hundreds of those fill one turn, and everything else the process does —
 * acknowledging events, /healthz, the Discord heartbeat, other answers' next deltas — waits for
 * all of them (bench/load/conversations.ts: 70–100 ms turns with 333 mentions arriving at once).
 * So the pipeline asks here before each step: while this turn has run less than `budgetMs`, the
 * step goes on at once; after that, steps wait and go on a few per turn, in the order they came,
 * with the loop's timers and I/O served in between. Nothing is dropped, and one answer's steps
 * keep their order (each waits for the one before it); a process that keeps up never waits.
 */
export class TurnBudget {
  /** When the loop's current turn began doing work for us; undefined until the first step of a turn. */
  private turnStartedAt: number | undefined;
  private readonly waiting: (() => void)[] = [];
  private draining = false;

  constructor(
    private readonly budgetMs = 10,
    /** Steps let go each turn while others wait. */
    private readonly perTurn = 4,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Steps waiting for a later turn. */
  get waitingSteps(): number {
    return this.waiting.length;
  }

  /**
   * undefined: go on now (no promise is made on the common path). A promise: go on when it
   * resolves, in a later turn, after every step that was waiting before.
   */
  turn(): Promise<void> | undefined {
    const now = this.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      // The check phase closes this turn: the next one starts a budget of its own.
      setImmediate(() => {
        this.turnStartedAt = undefined;
      });
    }
    if (this.waiting.length === 0 && now - this.turnStartedAt < this.budgetMs) return undefined;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.draining) return;
      this.draining = true;
      setImmediate(() => this.release());
    });
  }

  /** Lets a few steps go; the rest wait for the next turn. */
  private release(): void {
    for (let i = 0; i < this.perTurn && this.waiting.length > 0; i++) this.waiting.shift()!();
    if (this.waiting.length === 0) {
      this.draining = false;
      return;
    }
    // Scheduled from the check phase, so it runs in the next turn, after that turn's timers and I/O.
    setImmediate(() => this.release());
  }
}
