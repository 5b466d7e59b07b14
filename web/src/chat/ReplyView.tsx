// One assistant reply: its steps (intent, sources, picks, deep read, tools, thinking) and the answer.
import { Alert, Collapse, Space, Spin, Tag, Typography } from 'antd';
import { BulbOutlined, FileSearchOutlined, FilterOutlined, ReadOutlined, ToolOutlined, AimOutlined } from '@ant-design/icons';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { ReactNode } from 'react';
import { parseJsonBlock, parseSources, ReplyState, splitInlineThink } from './reply';

function Step({ icon, title, children, testId, open }: { icon: ReactNode; title: ReactNode; children: ReactNode; testId: string; open?: boolean }) {
  return (
    <Collapse
      size="small"
      className="step"
      data-testid={testId}
      defaultActiveKey={open ? ['1'] : []}
      items={[{ key: '1', label: <Space size={6}>{icon}{title}</Space>, children }]}
    />
  );
}

const END_COLORS: Record<string, string> = { completed: 'green', user_cancelled: 'orange', error: 'red', timeout: 'red' };

export function MarkdownText({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown remarkPlugins={[remarkGfm]} components={{ a: ({ href, children }) => <a href={href} target="_blank" rel="noreferrer">{children}</a> }}>
        {text}
      </Markdown>
    </div>
  );
}

export function ReplyView({ reply, streaming }: { reply: ReplyState; streaming: boolean }) {
  const intent = reply.intentRaw ? parseJsonBlock(reply.intentRaw) : undefined;
  const sources = reply.sourcesRaw ? parseSources(reply.sourcesRaw) : null;
  const picked = reply.pickRaw ? parseJsonBlock(reply.pickRaw) : undefined;
  const { think: inlineThink, answer } = splitInlineThink(reply.response);
  const think = reply.think + inlineThink;
  const waiting = streaming && !answer && !reply.end;
  const readingAttachments = streaming && !reply.end && reply.attachmentWaiting;
  const attachmentsTimedOut = reply.end?.type === 'attachment_processing';

  return (
    <div data-testid="reply" data-reply-to={reply.replyTo}>
      {reply.intentRaw && (
        <Step icon={<AimOutlined />} title="Understanding the question" testId="step-intent">
          {intent && typeof intent === 'object' ? (
            <pre className="think-text">{JSON.stringify(intent, null, 2)}</pre>
          ) : (
            <div className="think-text">{reply.intentRaw}</div>
          )}
        </Step>
      )}
      {(reply.toolCalls.length > 0 || reply.toolsText) && (
        <Step icon={<ToolOutlined />} title={`Tools${reply.toolCalls.length ? ` · ${reply.toolCalls.length} call${reply.toolCalls.length > 1 ? 's' : ''}` : ''}`} testId="step-tools">
          {reply.toolCalls.map((c, i) => (
            <div className="tool-call" key={i}>
              <Tag color="purple">{c.name}</Tag>
              <div className="tool-label">arguments</div>
              <pre>{c.arguments}</pre>
              <div className="tool-label">result</div>
              <pre>{c.result}</pre>
            </div>
          ))}
          {reply.toolsText && reply.toolCalls.length === 0 && <div className="think-text">{reply.toolsText}</div>}
        </Step>
      )}
      {reply.sourcesRaw && (
        <Step icon={<FileSearchOutlined />} title={sources ? `Found ${sources.total} source${sources.total === 1 ? '' : 's'}` : 'Searching…'} testId="step-sources">
          <div className="sources">
            {(sources?.items ?? []).map((s, i) =>
              s.url ? (
                <a key={i} href={s.url} target="_blank" rel="noreferrer">
                  {s.title || s.url}
                </a>
              ) : (
                <div key={i}>{s.title || s.id}</div>
              ),
            )}
          </div>
        </Step>
      )}
      {reply.pickStarted && (
        <Step icon={<FilterOutlined />} title="Picking documents" testId="step-pick">
          {Array.isArray(picked) ? (
            (picked as Array<{ title?: string; explain?: string }>).map((p, i) => (
              <div key={i}>
                <Typography.Text strong>{p.title}</Typography.Text> <Typography.Text type="secondary">{p.explain}</Typography.Text>
              </div>
            ))
          ) : (
            <div className="think-text">{reply.pickRaw}</div>
          )}
        </Step>
      )}
      {reply.deepRead && (
        <Step icon={<ReadOutlined />} title="Reading in depth" testId="step-deep-read">
          <div className="think-text">{reply.deepRead}</div>
        </Step>
      )}
      {think && (
        <Step icon={<BulbOutlined />} title={streaming && !answer ? 'Thinking…' : 'Thought'} testId="step-think" open={streaming && !answer}>
          <div className="think-text">{think}</div>
        </Step>
      )}
      {readingAttachments && (
        <div className="reading-attachments" data-testid="reading-attachments">
          <Spin size="small" /> <Typography.Text type="secondary">
            Reading attachments…{reply.attachmentWaitingFor?.length ? ` (${reply.attachmentWaitingFor.join(', ')})` : ''}
          </Typography.Text>
        </div>
      )}
      {waiting && !readingAttachments && <Spin size="small" />}
      {answer && (
        <div data-testid="answer">
          <MarkdownText text={answer} />
        </div>
      )}
      {attachmentsTimedOut && (
        <Alert type="warning" showIcon message="The attachments could not be read in time" description={reply.end?.error} style={{ marginTop: 8 }} data-testid="attachments-timeout" />
      )}
      {reply.systemError && <Alert type="error" showIcon message={reply.systemError} style={{ marginTop: 8 }} />}
      {reply.end && (
        <div style={{ marginTop: 8 }}>
          <Tag color={END_COLORS[reply.end.reason] ?? 'default'} data-testid="reply-end">
            reply_end {reply.end.reason}
          </Tag>
          {reply.end.error && !attachmentsTimedOut && <Typography.Text type="danger">{reply.end.error}</Typography.Text>}
        </div>
      )}
    </div>
  );
}
