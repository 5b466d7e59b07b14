// The workflow's conversation window: seeded from a loaded history, grown by turns, cut by summaries.
import type { TurnContext } from '../../src/shared/chat';
import { ConversationWindow, MAX_ENTRIES } from '../../src/workflows/conversation';

const reply = (id: string, text: string) => ({ id, role: 'assistant' as const, text });
const loaded = (history: TurnContext['history'], historyComplete: boolean) => ({ history, historyComplete, summary: 'S' }) as TurnContext;

test('a new session starts complete and grows by each turn, long texts cut as the history prompt cuts them', () => {
  const w = new ConversationWindow({ entries: [], summary: '', complete: true });
  w.addTurn('u1', 'x'.repeat(1500), reply('r1', 'one'));
  expect(w.current).toEqual({
    entries: [{ id: 'u1', role: 'user', text: `${'x'.repeat(1000)}...` }, reply('r1', 'one')],
    summary: '',
    complete: true,
  });
});

test('without a known conversation, a turn seeds it from the history its context read, if that has ids', () => {
  const none = new ConversationWindow();
  none.addTurn('u2', 'two', reply('r2', 'b'));
  expect(none.current).toBeUndefined();
  none.addTurn('u2', 'two', reply('r2', 'b'), loaded([{ role: 'user', text: 'old' }], true));
  expect(none.current).toBeUndefined(); // entries without ids cannot be matched to a later summary

  const w = new ConversationWindow();
  w.addTurn('u2', 'two', reply('r2', 'b'), loaded([{ id: 'u1', role: 'user', text: 'one' }, reply('r1', 'a')], true));
  expect(w.current).toMatchObject({ summary: 'S', complete: true });
  expect(w.current!.entries.map((e) => e.id)).toEqual(['u1', 'r1', 'u2', 'r2']);
});

test('past MAX_ENTRIES the oldest go and the window is no longer complete', () => {
  const w = new ConversationWindow({ entries: [], summary: '', complete: true });
  for (let i = 0; i < MAX_ENTRIES / 2 + 1; i++) w.addTurn(`u${i}`, `q${i}`, reply(`r${i}`, `a${i}`));
  expect(w.current!.entries).toHaveLength(MAX_ENTRIES);
  expect(w.current!.entries[0]!.id).toBe('u1');
  expect(w.current!.complete).toBe(false);
});

test('a summary drops the messages it covers and replaces the summary text; an unknown id drops nothing', () => {
  const w = new ConversationWindow({ entries: [], summary: '', complete: true });
  for (let i = 1; i <= 3; i++) w.addTurn(`u${i}`, `q${i}`, reply(`r${i}`, `a${i}`));
  w.summarised('first turns', 'r2');
  expect(w.current!.entries.map((e) => e.id)).toEqual(['u3', 'r3']);
  expect(w.current!.summary).toBe('first turns');
  w.summarised('again', 'gone');
  expect(w.current!.entries.map((e) => e.id)).toEqual(['u3', 'r3']);
  expect(w.current!.summary).toBe('again');
});

test('follow-ups: a title only after what may be the first turn, a summary only when the history may pass the threshold', () => {
  expect(new ConversationWindow().mayBeFirstTurn()).toBe(true); // nothing known: the step checks
  expect(new ConversationWindow().mayExceed(10_000)).toBe(true);
  const w = new ConversationWindow({ entries: [], summary: '', complete: true });
  w.addTurn('u1', 'hello', reply('r1', 'hi there'));
  expect(w.mayBeFirstTurn()).toBe(true);
  // "user: hello\n\nassistant: hi there" is 32 characters, as the summary step joins them
  expect(w.mayExceed(32)).toBe(false);
  expect(w.mayExceed(31)).toBe(true);
  w.addTurn('u2', 'x'.repeat(1200), reply('r2', 'ok'));
  expect(w.mayBeFirstTurn()).toBe(false);
  expect(w.mayExceed(100_000)).toBe(true); // a cut message: its length is not known here
});

test('a turn is handed only the entries its history size asks for', () => {
  const w = new ConversationWindow({ entries: [], summary: 'S', complete: true });
  for (let i = 1; i <= 4; i++) w.addTurn(`u${i}`, `q${i}`, reply(`r${i}`, `a${i}`));
  // Cut: no longer "complete", but it holds as many as the turn asks for, so the turn reads nothing.
  expect(w.forTurn(3)).toEqual({ entries: w.current!.entries.slice(-3), summary: 'S', complete: false });
  expect(w.forTurn(0)!.entries).toEqual([]);
  expect(w.forTurn(50)).toBe(w.current);
  expect(w.forTurn(undefined)).toBe(w.current);
  expect(new ConversationWindow().forTurn(3)).toBeUndefined();
});

test('seeding leaves out messages of later turns that the history read already saw', () => {
  const w = new ConversationWindow();
  // u1/r1 came before this turn (u2); u3 is a queued turn's message, saved while u2 was answered.
  const read = [{ id: 'a1', role: 'user' as const, text: 'one' }, reply('a2', 'a'), { id: 'c3', role: 'user' as const, text: 'three' }];
  w.addTurn('b2', 'two', reply('b3', 'b'), loaded(read, true));
  expect(w.current!.entries.map((e) => e.id)).toEqual(['a1', 'a2', 'b2', 'b3']);
});

test('a withdrawn turn is forgotten: its messages leave the window, the others stay in order', () => {
  const w = new ConversationWindow({ entries: [], summary: 'S', complete: true });
  for (let i = 1; i <= 3; i++) w.addTurn(`u${i}`, `q${i}`, reply(`r${i}`, `a${i}`));
  w.forget(['u2', 'r2']);
  expect(w.current).toEqual({ entries: [{ id: 'u1', role: 'user', text: 'q1' }, reply('r1', 'a1'), { id: 'u3', role: 'user', text: 'q3' }, reply('r3', 'a3')], summary: 'S', complete: true });
  new ConversationWindow().forget(['u1']); // nothing known: nothing to forget
});
