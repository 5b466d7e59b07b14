// Chat playground (coco-api.md §3-§4): pick an assistant, chat over the WebSocket with each step shown
// as it streams, Stop (cancel), sessions (rename, delete, history), and resume after a reload: while a
// reply streams, {session, user message, last seq, reply so far} is kept in sessionStorage, and after a
// reload GET /chat/:id/_stream?message_id=…&after_seq=N continues it. An assistant that takes uploads
// gets an attach button: files are uploaded at once (chat/attachments), shown as chips while the server
// reads them (polled every second), and sent with the message as `attachments`.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, App, Badge, Button, Drawer, Empty, Grid, Input, Modal, Popconfirm, Select, Space, Switch, Tag, Tooltip } from 'antd';
import { CheckCircleOutlined, CloseCircleOutlined, DeleteOutlined, EditOutlined, FileOutlined, LoadingOutlined, MenuUnfoldOutlined, PaperClipOutlined, PlusOutlined, SendOutlined, StopOutlined } from '@ant-design/icons';
import { api, errorText, EsResult, getToken, reasonOf, search } from '../api';
import { AssistantIcon } from '../components';
import { acceptOf, attachmentInfo, AttachmentInfo, attachmentStatus, checkFiles, formatSize, isParsing, PendingAttachment, uploadFiles } from '../chat/attachments';
import { applyChunk, newReply, readNdjson, ReplyState, replyFromMessage } from '../chat/reply';
import { MarkdownText, ReplyView } from '../chat/ReplyView';
import type { Assistant, ChatMessage, MessageChunk, Session } from '../types';

type UiMsg = { key: string; role: 'user'; text: string; attachments?: string[] } | { key: string; role: 'assistant'; replyTo: string };

interface Inflight {
  sessionId: string;
  userMessageId: string;
  assistantId: string;
  lastSeq: number;
  reply: ReplyState;
}

const INFLIGHT_KEY = 'coco.playground.inflight';
const ASSISTANT_KEY = 'coco.playground.assistant';

function readInflight(): Inflight | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(INFLIGHT_KEY) ?? 'null') as Inflight | null;
    return v && v.sessionId && v.userMessageId ? v : null;
  } catch {
    return null;
  }
}

const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(getToken())}`;

export function Playground() {
  const { message } = App.useApp();
  const screens = Grid.useBreakpoint();
  const mobile = screens.md === false;
  const [assistants, setAssistants] = useState<Assistant[]>([]);
  const [assistantId, setAssistantId] = useState(localStorage.getItem(ASSISTANT_KEY) ?? 'default');
  const [sessions, setSessions] = useState<Session[]>([]);
  const [sessionId, setSessionId] = useState<string>();
  const [msgs, setMsgs] = useState<UiMsg[]>([]);
  const [, setVersion] = useState(0);
  const [active, setActive] = useState<{ sessionId: string; userMessageId: string } | null>(null);
  const [wsId, setWsId] = useState<string>();
  const [wsState, setWsState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [input, setInput] = useState('');
  const [sending, setSending] = useState(false);
  const [opts, setOpts] = useState({ search: false, deep_thinking: false, mcp: false });
  const [renaming, setRenaming] = useState<{ id: string; title: string } | null>(null);
  const [drawer, setDrawer] = useState(false);
  const [error, setError] = useState('');
  const [files, setFiles] = useState<PendingAttachment[]>([]);
  const [attachError, setAttachError] = useState('');
  const [pollTick, setPollTick] = useState(0);
  /** Names of attachments (uploaded here, or read with /attachment/_search for a session's messages). */
  const [attachmentNames, setAttachmentNames] = useState<Record<string, AttachmentInfo>>({});
  const fileInput = useRef<HTMLInputElement>(null);

  const replies = useRef(new Map<string, ReplyState>());
  const pending = useRef<MessageChunk[]>([]);
  const activeRef = useRef(active);
  activeRef.current = active;
  const assistantRef = useRef(assistantId);
  assistantRef.current = assistantId;
  const persistTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const bottom = useRef<HTMLDivElement>(null);

  const assistant = assistants.find((a) => a.id === assistantId);

  const loadSessions = useCallback(async () => {
    try {
      const res = await api.get<EsResult<Session>>('/chat/_history?from=0&size=100');
      setSessions(res.hits.hits.map((h) => ({ ...h._source, id: h._source.id ?? h._id })));
    } catch (err) {
      message.error(`Could not load sessions: ${errorText(err)}`);
    }
  }, [message]);

  const persist = useCallback((reply: ReplyState, now = false) => {
    const a = activeRef.current;
    if (!a || a.userMessageId !== reply.replyTo) return;
    const write = () => {
      const r = replies.current.get(a.userMessageId);
      if (!r || r.end) return;
      const v: Inflight = { sessionId: a.sessionId, userMessageId: a.userMessageId, assistantId: assistantRef.current, lastSeq: r.lastSeq, reply: r };
      sessionStorage.setItem(INFLIGHT_KEY, JSON.stringify(v));
    };
    // Throttled, not debounced: a steady stream of chunks still saves every 150 ms.
    if (now) {
      clearTimeout(persistTimer.current);
      persistTimer.current = undefined;
      write();
    } else if (!persistTimer.current) {
      persistTimer.current = setTimeout(() => {
        persistTimer.current = undefined;
        write();
      }, 150);
    }
  }, []);

  // The last chunks before a reload or tab close are saved too.
  useEffect(() => {
    const flush = () => {
      const a = activeRef.current;
      const r = a && replies.current.get(a.userMessageId);
      if (r) persist(r, true);
    };
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, [persist]);

  const finish = useCallback(() => {
    clearTimeout(persistTimer.current);
    persistTimer.current = undefined;
    sessionStorage.removeItem(INFLIGHT_KEY);
    activeRef.current = null;
    setActive(null);
    void loadSessions();
  }, [loadSessions]);

  /** Every chunk, from the socket or a resumed NDJSON stream. */
  const onChunk = useCallback(
    (c: MessageChunk) => {
      const r = replies.current.get(c.reply_to_message);
      if (!r) {
        pending.current.push(c); // the send's answer (with the user message id) may come after its first chunks
        if (pending.current.length > 5000) pending.current.splice(0, 1000);
        return;
      }
      const next = applyChunk(r, c);
      if (next === r) return;
      replies.current.set(c.reply_to_message, next);
      setVersion((v) => v + 1);
      if (next.end) {
        if (activeRef.current?.userMessageId === c.reply_to_message) finish();
      } else persist(next);
    },
    [finish, persist],
  );
  const onChunkRef = useRef(onChunk);
  onChunkRef.current = onChunk;

  /** Continues a reply from its log: NDJSON chunks after `afterSeq`, with the token header. */
  const resumeStream = useCallback(
    async (sid: string, userMessageId: string, afterSeq: number) => {
      const res = await fetch(`/chat/${sid}/_stream?message_id=${encodeURIComponent(userMessageId)}&after_seq=${afterSeq}`, { headers: { 'X-API-TOKEN': getToken() } });
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as unknown;
        throw new Error(reasonOf(body, `resume failed: ${res.status}`));
      }
      await readNdjson(res, (line) => {
        const l = line as MessageChunk & { error?: { reason?: string } };
        if (l.error) setError(l.error.reason ?? 'the reply failed');
        else if (l.chunk_type) onChunkRef.current(l);
      });
    },
    [],
  );

  // The WebSocket: CONFIG gives our id; PRIVATE frames are chunks. Reconnects; a reply that was
  // streaming when the socket dropped continues through _stream.
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let attempts = 0;
    const connect = () => {
      setWsState('connecting');
      socket = new WebSocket(wsUrl());
      socket.onmessage = (ev) => {
        const text = String(ev.data);
        if (text.startsWith('CONFIG') && text.includes('websocket-session-id')) {
          setWsId(text.slice(text.indexOf(':') + 1).trim());
          setWsState('open');
          if (attempts > 0) {
            const a = activeRef.current;
            const r = a && replies.current.get(a.userMessageId);
            if (a && r && !r.end) void resumeStream(a.sessionId, a.userMessageId, r.lastSeq).catch((err) => setError(errorText(err)));
          }
          attempts = 0;
        } else if (text.startsWith('PRIVATE ')) {
          try {
            onChunkRef.current(JSON.parse(text.slice(8)) as MessageChunk);
          } catch {
            /* not a chunk */
          }
        }
      };
      socket.onclose = () => {
        setWsId(undefined);
        setWsState('closed');
        if (stopped) return;
        attempts += 1;
        retry = setTimeout(connect, Math.min(10_000, 1000 * attempts));
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [resumeStream]);

  const showHistory = useCallback(async (sid: string, skipReplyTo?: string): Promise<ChatMessage[]> => {
    const res = await api.get<EsResult<ChatMessage>>(`/chat/${sid}/_history?from=0&size=1000`);
    const list = res.hits.hits.map((h) => ({ ...h._source, id: h._source.id ?? h._id }));
    const out: UiMsg[] = [];
    const attached = new Set<string>();
    for (const m of list) {
      if (m.type === 'user') {
        const ids = Array.isArray(m.attachments) ? m.attachments.filter((a) => typeof a === 'string' && a) : [];
        for (const a of ids) attached.add(a);
        out.push({ key: m.id, role: 'user', text: m.message, ...(ids.length > 0 && { attachments: ids }) });
      }
      else {
        const replyTo = m.reply_to_message || m.id;
        if (replyTo === skipReplyTo) continue;
        replies.current.set(replyTo, replyFromMessage(m));
        out.push({ key: m.id, role: 'assistant', replyTo });
      }
    }
    setMsgs(out);
    if (attached.size > 0) {
      // Names for the messages' attachments; without them a message shows how many it has.
      void attachmentInfo([...attached])
        .then((infos) => setAttachmentNames((cur) => ({ ...cur, ...Object.fromEntries(infos.map((i) => [i.id, i])) })))
        .catch(() => undefined);
    }
    return list;
  }, []);

  const openSession = async (sid: string) => {
    setDrawer(false);
    if (sid === sessionId) return;
    setError('');
    setSessionId(sid);
    setMsgs([]);
    try {
      const list = await showHistory(sid);
      const last = [...list].reverse().find((m) => m.assistant_id);
      if (last?.assistant_id && assistants.some((a) => a.id === last.assistant_id)) setAssistantId(last.assistant_id);
    } catch (err) {
      setError(errorText(err));
    }
  };

  // A link to a session (the Sessions page, the Temporal UI's workflow details): open it, unless a reply
  // is being resumed after a reload.
  const [params] = useSearchParams();
  const linkedSession = params.get('session');
  useEffect(() => {
    if (linkedSession && !readInflight()) void openSession(linkedSession);
  }, [linkedSession]);

  // Start: assistants, sessions, and a reply to resume after a reload.
  useEffect(() => {
    void (async () => {
      try {
        const res = await search<Assistant>('/assistant', { size: 100, filter: 'enabled:true' });
        setAssistants(res.items);
        setAssistantId((cur) => (res.items.some((a) => a.id === cur) ? cur : (res.items[0]?.id ?? cur)));
      } catch (err) {
        message.error(`Could not load assistants: ${errorText(err)}`);
      }
    })();
    void loadSessions();
    const inflight = readInflight();
    if (!inflight) return;
    void (async () => {
      const { sessionId: sid, userMessageId: uid } = inflight;
      setSessionId(sid);
      setAssistantId(inflight.assistantId);
      replies.current.set(uid, { ...newReply(uid), ...inflight.reply, replyTo: uid });
      activeRef.current = { sessionId: sid, userMessageId: uid };
      setActive(activeRef.current);
      try {
        await showHistory(sid, uid);
        setMsgs((ms) => {
          const i = ms.findIndex((m) => m.role === 'user' && m.key === uid);
          const entry: UiMsg = { key: `reply-${uid}`, role: 'assistant', replyTo: uid };
          return i >= 0 ? [...ms.slice(0, i + 1), entry, ...ms.slice(i + 1)] : [...ms, entry];
        });
        await resumeStream(sid, uid, inflight.lastSeq);
        if (!replies.current.get(uid)?.end) {
          // The reply's log expired before its end was read: show the saved message instead.
          replies.current.delete(uid);
          await showHistory(sid);
          finish();
        }
      } catch (err) {
        setError(`Could not resume the reply: ${errorText(err)}`);
        finish();
      }
    })();
  }, []);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  });

  const register = (sid: string, userMessageId: string, text: string, attachments: string[]) => {
    replies.current.set(userMessageId, newReply(userMessageId));
    activeRef.current = { sessionId: sid, userMessageId };
    setActive(activeRef.current);
    const userMsg: UiMsg = { key: userMessageId, role: 'user', text, ...(attachments.length > 0 && { attachments }) };
    setMsgs((ms) => [...ms, userMsg, { key: `reply-${userMessageId}`, role: 'assistant', replyTo: userMessageId }]);
    persist(replies.current.get(userMessageId)!, true);
    const mine = pending.current.filter((c) => c.reply_to_message === userMessageId);
    pending.current = pending.current.filter((c) => c.reply_to_message !== userMessageId);
    for (const c of mine) onChunk(c);
  };

  const send = async (textIn?: string) => {
    const text = (textIn ?? input).trim();
    if (!text || active || sending) return;
    if (!wsId) {
      message.error('The WebSocket is not connected yet');
      return;
    }
    if (files.some((a) => a.status === 'uploading')) {
      message.warning('Wait for the files to finish uploading');
      return;
    }
    // Files the server could not read are left out; the others go with the message (the reply waits for
    // those still being read).
    const attachments = files.filter((a) => a.id && a.status !== 'failed').map((a) => a.id!);
    setError('');
    setSending(true);
    const qs = new URLSearchParams({ assistant_id: assistantId, search: String(opts.search), deep_thinking: String(opts.deep_thinking), mcp: String(opts.mcp) });
    const headers = { 'WEBSOCKET-SESSION-ID': wsId };
    try {
      if (!sessionId) {
        const res = await api.post<{ _id: string; payload?: ChatMessage }>(`/chat/_new?${qs}`, { message: text, attachments }, { headers });
        setSessionId(res._id);
        if (res.payload) register(res._id, res.payload.id, text, attachments);
        void loadSessions();
      } else {
        const res = await api.post<Array<{ _id: string }>>(`/chat/${sessionId}/_send?${qs}`, { message: text, attachments }, { headers });
        register(sessionId, res[0]!._id, text, attachments);
      }
      setInput('');
      setFiles([]);
      setAttachError('');
    } catch (err) {
      setError(errorText(err));
      void loadSessions();
    } finally {
      setSending(false);
    }
  };

  /** Files chosen with the attach button: checked against the assistant's settings, then uploaded at once. */
  const addFiles = async (chosen: File[]) => {
    const { ok, refused } = checkFiles(assistant?.upload, chosen, files.length);
    setAttachError(refused.join('\n'));
    if (ok.length === 0) return;
    const stamp = Date.now();
    const entries: PendingAttachment[] = ok.map((f, i) => ({ key: `${stamp}-${i}-${f.name}`, name: f.name, size: f.size, status: 'uploading' }));
    const keys = entries.map((e) => e.key);
    setFiles((cur) => [...cur, ...entries]);
    try {
      const ids = await uploadFiles(ok);
      setAttachmentNames((cur) => ({ ...cur, ...Object.fromEntries(ids.map((id, i) => [id, { id, name: ok[i]!.name, size: ok[i]!.size }])) }));
      setFiles((cur) => cur.map((a) => (keys.includes(a.key) ? { ...a, id: ids[keys.indexOf(a.key)], status: 'pending' } : a)));
    } catch (err) {
      setFiles((cur) => cur.filter((a) => !keys.includes(a.key)));
      setAttachError([...refused, `Could not upload ${ok.map((f) => f.name).join(', ')}: ${errorText(err)}`].join('\n'));
    }
  };

  // Every second, the parsing status of the chips the server is still reading.
  const parsingIds = files
    .filter((a) => a.id && (a.status === 'pending' || a.status === 'processing'))
    .map((a) => a.id!)
    .join(',');
  useEffect(() => {
    if (!parsingIds) return;
    let stopped = false;
    const timer = setTimeout(() => {
      attachmentStatus(parsingIds.split(','))
        .then((st) => {
          if (!stopped) setFiles((cur) => cur.map((a) => (a.id && st[a.id] ? { ...a, status: st[a.id]! } : a)));
        })
        .catch((err: unknown) => {
          if (!stopped) setAttachError(`Could not read the attachments' status: ${errorText(err)}`);
        })
        .finally(() => {
          if (!stopped) setPollTick((n) => n + 1);
        });
    }, 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [parsingIds, pollTick]);

  const stop = async () => {
    const a = activeRef.current;
    if (!a) return;
    try {
      await api.post(`/chat/${a.sessionId}/_cancel?message_id=${encodeURIComponent(a.userMessageId)}`);
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const newChat = () => {
    setDrawer(false);
    setSessionId(undefined);
    setMsgs([]);
    setError('');
  };

  const rename = async () => {
    if (!renaming) return;
    try {
      await api.put(`/chat/${renaming.id}`, { title: renaming.title });
      setRenaming(null);
      await loadSessions();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const remove = async (sid: string) => {
    try {
      await api.del(`/chat/${sid}`);
      if (sid === sessionId) newChat();
      await loadSessions();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const sessionList = (
    <div className="pg-sessions" data-testid="sessions">
      <div style={{ padding: 10, borderBottom: '1px solid #f0f0f0' }}>
        <Button block icon={<PlusOutlined />} onClick={newChat} disabled={!!active}>
          New chat
        </Button>
      </div>
      <div className="list">
        {sessions.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="No sessions yet" />}
        {sessions.map((s) => (
          <div key={s.id} className={`pg-session${s.id === sessionId ? ' active' : ''}`} onClick={() => !active && void openSession(s.id)} data-testid="session-item">
            <span className="title" title={s.title}>
              {s.title || 'Untitled'}
            </span>
            <Tooltip title="Rename">
              <Button
                size="small"
                type="text"
                icon={<EditOutlined />}
                aria-label="Rename"
                onClick={(e) => {
                  e.stopPropagation();
                  setRenaming({ id: s.id, title: s.title ?? '' });
                }}
              />
            </Tooltip>
            <span onClick={(e) => e.stopPropagation()}>
              <Popconfirm title="Delete this session and its messages?" okText="Delete" okButtonProps={{ danger: true }} onConfirm={() => void remove(s.id)}>
                <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label="Delete session" disabled={active?.sessionId === s.id} />
              </Popconfirm>
            </span>
          </div>
        ))}
      </div>
    </div>
  );

  const assistantOptions = useMemo(
    () => assistants.map((a) => ({ value: a.id!, label: <Space size={6}><AssistantIcon icon={a.icon} />{a.name}</Space>, search: a.name })),
    [assistants],
  );

  return (
    <div className="playground">
      {mobile ? (
        <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" width={300} title="Sessions" styles={{ body: { padding: 0 } }}>
          {sessionList}
        </Drawer>
      ) : (
        sessionList
      )}
      <div className="pg-main">
        <div className="pg-top">
          {mobile && <Button icon={<MenuUnfoldOutlined />} onClick={() => setDrawer(true)} aria-label="Sessions" />}
          <Select
            style={{ minWidth: 180, flex: mobile ? 1 : undefined }}
            value={assistants.length ? assistantId : undefined}
            options={assistantOptions}
            onChange={(v: string) => {
              setAssistantId(v);
              localStorage.setItem(ASSISTANT_KEY, v);
              // The files were checked against the other assistant's settings.
              setFiles([]);
              setAttachError('');
            }}
            showSearch
            optionFilterProp="search"
            placeholder="Assistant"
            data-testid="assistant-picker"
            disabled={!!active}
          />
          <Space size={12} wrap>
            <Space size={4}>
              <Switch size="small" checked={opts.search} onChange={(v) => setOpts({ ...opts, search: v })} aria-label="Search datasources" />
              Search
            </Space>
            {assistant?.type === 'deep_think' && (
              <Space size={4}>
                <Switch size="small" checked={opts.deep_thinking} onChange={(v) => setOpts({ ...opts, deep_thinking: v })} aria-label="Deep think" />
                Deep think
              </Space>
            )}
            <Space size={4}>
              <Switch size="small" checked={opts.mcp} onChange={(v) => setOpts({ ...opts, mcp: v })} aria-label="Tools" />
              Tools
            </Space>
          </Space>
          <div style={{ flex: 1 }} />
          <Badge status={wsState === 'open' ? 'success' : wsState === 'connecting' ? 'processing' : 'error'} text={wsState === 'open' ? 'connected' : wsState} data-testid="ws-state" />
        </div>
        <div className="pg-messages" data-testid="messages">
          {msgs.length === 0 && assistant && (
            <div className="msg assistant">
              <div className="bubble">
                <MarkdownText text={assistant.chat_settings?.greeting_message || `Hi, I am ${assistant.name}.`} />
                {assistant.chat_settings?.suggested?.enabled && (assistant.chat_settings.suggested.questions ?? []).length > 0 && (
                  <div style={{ marginTop: 8, display: 'flex', gap: 6, flexWrap: 'wrap' }}>
                    {assistant.chat_settings.suggested.questions.map((q) => (
                      <Tag key={q} color="blue" style={{ cursor: 'pointer' }} onClick={() => void send(q)}>
                        {q}
                      </Tag>
                    ))}
                  </div>
                )}
              </div>
            </div>
          )}
          {msgs.map((m) =>
            m.role === 'user' ? (
              <div className="msg user" key={m.key}>
                <div className="bubble" data-testid="user-message">
                  {m.text}
                  {m.attachments && <MessageAttachments ids={m.attachments} names={attachmentNames} />}
                </div>
              </div>
            ) : (
              <div className="msg assistant" key={m.key}>
                <div className="bubble">
                  {replies.current.get(m.replyTo) ? <ReplyView reply={replies.current.get(m.replyTo)!} streaming={active?.userMessageId === m.replyTo} /> : null}
                </div>
              </div>
            ),
          )}
          {error && <Alert type="error" showIcon message={error} closable onClose={() => setError('')} data-testid="chat-error" />}
          <div ref={bottom} />
        </div>
        {attachError && <Alert type="warning" showIcon message={<span style={{ whiteSpace: 'pre-line' }}>{attachError}</span>} closable onClose={() => setAttachError('')} style={{ margin: '8px 12px 0' }} data-testid="attach-error" />}
        {files.length > 0 && (
          <div className="pg-attachments" data-testid="attachments">
            {files.map((a) => (
              <Tag
                key={a.key}
                closable={!sending}
                onClose={(e) => {
                  e.preventDefault();
                  setFiles((cur) => cur.filter((x) => x.key !== a.key));
                }}
                color={a.status === 'completed' ? 'success' : a.status === 'failed' ? 'error' : 'processing'}
                icon={a.status === 'completed' ? <CheckCircleOutlined /> : a.status === 'failed' ? <CloseCircleOutlined /> : isParsing(a) ? <LoadingOutlined /> : <FileOutlined />}
                data-testid="attachment-chip"
                data-status={a.status}
                data-id={a.id}
                title={`${a.name} · ${formatSize(a.size)}`}
              >
                <span className="name">{a.name}</span>
                <span className="status" data-testid="attachment-status">
                  {a.status === 'uploading' ? 'uploading…' : a.status}
                </span>
              </Tag>
            ))}
          </div>
        )}
        <div className="pg-input">
          {assistant?.upload?.enabled && (
            <>
              <input
                ref={fileInput}
                type="file"
                hidden
                multiple={assistant.upload.max_file_count !== 1}
                accept={acceptOf(assistant.upload)}
                data-testid="attach-input"
                onChange={(e) => {
                  const chosen = Array.from(e.target.files ?? []);
                  e.target.value = '';
                  void addFiles(chosen);
                }}
              />
              <Tooltip title="Attach files">
                <Button icon={<PaperClipOutlined />} aria-label="Attach files" onClick={() => fileInput.current?.click()} disabled={!!active || sending} data-testid="attach" />
              </Tooltip>
            </>
          )}
          <Input.TextArea
            value={input}
            onChange={(e) => setInput(e.target.value)}
            autoSize={{ minRows: 1, maxRows: 6 }}
            placeholder={assistant?.chat_settings?.placeholder || (mobile ? 'Ask something…' : 'Ask something… (Enter to send, Shift+Enter for a new line)')}
            onPressEnter={(e) => {
              if (!e.shiftKey) {
                e.preventDefault();
                void send();
              }
            }}
            data-testid="chat-input"
          />
          {active ? (
            <Button danger icon={<StopOutlined />} onClick={() => void stop()} data-testid="stop">
              Stop
            </Button>
          ) : (
            <Button type="primary" icon={<SendOutlined />} onClick={() => void send()} loading={sending} disabled={!input.trim() || !wsId || files.some((a) => a.status === 'uploading')} data-testid="send">
              Send
            </Button>
          )}
        </div>
      </div>
      <Modal title="Rename session" open={!!renaming} onOk={() => void rename()} onCancel={() => setRenaming(null)} okButtonProps={{ disabled: !renaming?.title.trim() }} destroyOnHidden>
        <Input value={renaming?.title} onChange={(e) => renaming && setRenaming({ ...renaming, title: e.target.value })} onPressEnter={() => void rename()} maxLength={200} autoFocus data-testid="rename-input" />
      </Modal>
    </div>
  );
}

/** A user message's attachments: their names where known, else how many there are. */
function MessageAttachments({ ids, names }: { ids: string[]; names: Record<string, AttachmentInfo> }) {
  const named = ids.filter((id) => names[id]);
  const unnamed = ids.length - named.length;
  return (
    <div className="msg-attachments" data-testid="message-attachments">
      {named.map((id) => (
        <Tag key={id} icon={<FileOutlined />} title={names[id]!.size ? formatSize(names[id]!.size!) : undefined} data-testid="message-attachment">
          {names[id]!.name}
        </Tag>
      ))}
      {unnamed > 0 && (
        <Tag icon={<PaperClipOutlined />} data-testid="message-attachment-count">
          {named.length > 0 ? '+' : ''}
          {unnamed} attachment{unnamed === 1 ? '' : 's'}
        </Tag>
      )}
    </div>
  );
}
