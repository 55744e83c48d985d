/**
 * How a long command (`/eval run`) tells its caller how it is going before its reply: notes the
 * executor sends through the command context's `progress`, which each adapter renders its own way
 * (Slack: ephemeral messages through the response_url; Discord: edits of the deferred reply; the
 * console: lines). Platform-free: the platforms' limits are the adapters' to apply, with
 * `spacedProgress` where a platform allows only a few messages.
 */

export interface ProgressNote {
  /** What the caller reads, one line. */
  readonly text: string;
  /** How far the work is (answers done of all answers); absent on the note that announces the start. */
  readonly done?: number;
  readonly total?: number;
}

/** Where an adapter takes progress notes; a failure to show one never stops the command. */
export type ProgressSink = (note: ProgressNote) => Promise<void>;

/**
 * Passes the start note and at most `maxNotes` progress notes, spread over the work: a progress
 * note goes through only when it reaches the next of `maxNotes` evenly spaced marks (with 3: a
 * quarter, a half, three quarters done), the rest are dropped. For platforms that limit how often
 * the caller may be answered (Slack's response_url: 5 uses).
 */
export function spacedProgress(sink: ProgressSink, maxNotes: number): ProgressSink {
  let passed = 0;
  return async (note) => {
    if (note.done === undefined || note.total === undefined || note.total <= 0) return sink(note);
    const mark = Math.floor((note.done / note.total) * (maxNotes + 1));
    if (mark <= passed || passed >= maxNotes) return;
    passed = Math.min(mark, maxNotes);
    return sink(note);
  };
}
