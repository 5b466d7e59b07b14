// Continuing an answer cut short (the worker died mid-stream): the request in the provider's own
// convention, and the seam check. Whatever the continuation repeats of the text the client already has is
// dropped before it is published, whatever the model does at the seam (restate the last sentence, start over).
import type { ContinuationMode } from '../domain/providers/records';
import type { ChatMessageParam } from './llm';

export const CONTINUE_PROMPT = 'Continue your previous answer exactly where it stopped. Do not repeat anything already written.';

/** The request that asks the model to go on from `partial`. */
export function continuationRequest(mode: ContinuationMode, base: ChatMessageParam[], partial: string): { messages: ChatMessageParam[]; extraBody?: Record<string, unknown> } {
  switch (mode) {
    case 'prefill':
      return { messages: [...base, { role: 'assistant', content: partial }] };
    case 'prefill_deepseek':
      return { messages: [...base, { role: 'assistant', content: partial, prefix: true }] };
    case 'prefill_vllm':
      return { messages: [...base, { role: 'assistant', content: partial }], extraBody: { continue_final_message: true, add_generation_prompt: false } };
    case 'instruction':
      return { messages: [...base, { role: 'assistant', content: partial }, { role: 'user', content: CONTINUE_PROMPT }] };
  }
}

/**
 * A repeat shorter than this (without whitespace) is taken as the model's own words, not a repeat, unless it
 * is the whole of the sentence the text was cut in (the model started that sentence again).
 */
const MIN_OVERLAP = 12;
const SENTENCE_END = /[.!?。！？]\s|\n/g;
const WORD = /[\p{L}\p{N}_]/u;
const isSpace = (c: string) => /\s/.test(c);

/**
 * Holds back the start of a continuation until it is clear how much of it repeats the end of `sent`
 * (compared without whitespace, on word boundaries, at least MIN_OVERLAP characters), then lets the rest
 * through. Nothing is held back once that is decided.
 */
export class SeamFilter {
  private readonly sent: string;
  /** `sent` without whitespace, and for each of its characters whether a word starts there. */
  private readonly norm: string;
  private readonly wordStart: boolean[];
  private held = '';
  private heldNorm = '';
  /** Start positions in `norm` whose suffix still agrees with what is held. */
  private open: number[] | null = null;
  /** Suffix lengths that were held back whole, longest last. */
  private readonly whole: number[] = [];
  private decided = false;
  /** The length (without whitespace) of the sentence `sent` was cut in: a repeat of it counts, however short. */
  private readonly lastSentence: number;

  constructor(sent: string) {
    this.sent = sent;
    let norm = '';
    const wordStart: boolean[] = [];
    let prev = ' ';
    for (const c of sent) {
      if (!isSpace(c)) {
        norm += c;
        wordStart.push(!WORD.test(prev) || !WORD.test(c));
      }
      prev = c;
    }
    this.norm = norm;
    this.wordStart = wordStart;
    let from = 0;
    for (const m of sent.matchAll(SENTENCE_END)) from = m.index + m[0].length;
    this.lastSentence = sent.slice(from).replace(/\s/g, '').length;
    if (norm.length < Math.min(MIN_OVERLAP, this.lastSentence || MIN_OVERLAP)) this.decided = true;
  }

  /** What of `delta` may be published now. */
  push(delta: string): string {
    if (this.decided) return delta;
    this.held += delta;
    for (const c of delta) if (!isSpace(c)) this.take(c);
    return this.undecided() ? '' : this.release();
  }

  /** At the end of the stream: whatever is still held, minus the repeat. */
  end(): string {
    return this.decided ? '' : this.release();
  }

  private take(c: string) {
    const n = this.heldNorm.length;
    this.heldNorm += c;
    if (this.open === null) {
      this.open = [];
      for (let i = this.norm.indexOf(c); i >= 0; i = this.norm.indexOf(c, i + 1)) if (this.wordStart[i]) this.open.push(i);
    } else {
      this.open = this.open.filter((i) => this.norm[i + n] === c);
    }
    // A suffix held back whole is a repeat if it is long enough or the whole last sentence (checked at the word
    // boundary on release).
    this.open = this.open.filter((i) => {
      if (i + n + 1 < this.norm.length) return true;
      const length = this.norm.length - i;
      if (length >= MIN_OVERLAP || length === this.lastSentence) this.whole.push(length);
      return false;
    });
  }

  /**
   * A longer repeat than the longest found so far may still be under way, or the one found ends right at
   * the end of what is held, inside what may be a longer word (the next character tells).
   */
  private undecided(): boolean {
    const best = this.whole.length ? Math.max(...this.whole) : 0;
    if (this.open === null || this.open.some((i) => this.norm.length - i > best)) return true;
    return best > 0 && this.cutAfter(best) === this.held.length && WORD.test(this.held.at(-1) ?? ' ');
  }

  private release(): string {
    this.decided = true;
    // The longest repeat that ends on a word boundary of the continuation.
    for (const len of [...this.whole].sort((a, b) => b - a)) {
      const cut = this.cutAfter(len);
      const next = this.held[cut] ?? ' ';
      const last = this.held[cut - 1] ?? ' ';
      if (!(WORD.test(last) && WORD.test(next))) return this.held.slice(cut);
    }
    return this.held;
  }

  /** The index in `held` just after its first `len` non-whitespace characters. */
  private cutAfter(len: number): number {
    let seen = 0;
    for (let i = 0; i < this.held.length; i++) {
      if (!isSpace(this.held[i]!) && ++seen === len) return i + 1;
    }
    return this.held.length;
  }
}
