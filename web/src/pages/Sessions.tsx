// Sessions: chat sessions (an administrator's page lists every user's, anyone else's their own), the most
// recently active first, with status, turns, last activity and a link to each session's workflow in the
// Temporal UI (GET /chat/_sessions, paged on the server).
import { useCallback, useEffect, useState } from 'react';
import { App, Button, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ExportOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, errorText } from '../api';
import { useProfile } from '../profile';

export interface SessionRow {
  id: string;
  title: string;
  status: 'active' | 'closed';
  visible: boolean;
  owner: { id: string; username: string; name: string };
  created: string;
  updated: string;
  turns: number;
  last_activity: string | null;
  workflow_id: string;
  workflow_url: string;
}

interface SessionsAnswer {
  total: number;
  all_users: boolean;
  temporal_ui: { url: string; namespace: string };
  sessions: SessionRow[];
}

const when = (t: string | null) => (t ? new Date(t).toLocaleString() : '—');

export function Sessions() {
  const { message } = App.useApp();
  const profile = useProfile();
  const [page, setPage] = useState({ current: 1, size: 20 });
  const [data, setData] = useState<SessionsAnswer | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await api.get<SessionsAnswer>(`/chat/_sessions?from=${(page.current - 1) * page.size}&size=${page.size}`));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [page, message]);
  useEffect(() => void load(), [load]);

  const columns: ColumnsType<SessionRow> = [
    {
      title: 'Title',
      render: (_, s) => (
        <div>
          <div>
            {s.title ? <Typography.Text strong>{s.title}</Typography.Text> : <Typography.Text type="secondary">(untitled)</Typography.Text>}
            {/* Only its owner can open a session (anyone else's is "not found" to the chat routes). */}
            {s.owner.id === profile.id && (
              <a href={`#/playground?session=${encodeURIComponent(s.id)}`} style={{ marginLeft: 8 }} data-testid="open-session">
                open
              </a>
            )}
          </div>
          <Typography.Text type="secondary" style={{ fontSize: 12, fontFamily: 'monospace' }}>
            {s.id}
          </Typography.Text>
        </div>
      ),
    },
    ...(data?.all_users ? [{ title: 'Owner', key: 'owner', render: (_: unknown, s: SessionRow) => (s.owner.name ? `${s.owner.name} (${s.owner.username})` : s.owner.username || s.owner.id) }] : []),
    {
      title: 'Status',
      width: 100,
      render: (_, s) => (
        <Space size={4}>
          <Tag color={s.status === 'active' ? 'green' : undefined} data-testid="session-status">
            {s.status}
          </Tag>
          {!s.visible && (
            <Tooltip title="An AI overview's session, hidden from its owner's chat list until opened">
              <Tag>hidden</Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    { title: 'Turns', dataIndex: 'turns', width: 80, align: 'right', render: (n: number) => <span data-testid="session-turns">{n}</span> },
    { title: 'Last activity', width: 190, render: (_, s) => when(s.last_activity ?? s.updated), responsive: ['sm'] },
    { title: 'Created', width: 190, render: (_, s) => when(s.created), responsive: ['lg'] },
    {
      title: 'Workflow',
      width: 130,
      render: (_, s) => (
        <Tooltip title={`${s.workflow_id} in the Temporal UI`}>
          <a href={s.workflow_url} target="_blank" rel="noreferrer" data-testid="workflow-link">
            Temporal <ExportOutlined />
          </a>
        </Tooltip>
      ),
    },
  ];

  return (
    <div>
      <div className="toolbar">
        <Typography.Text type="secondary">{data ? (data.all_users ? "Every user's chat sessions" : 'Your chat sessions') + ', most recently active first' : ''}</Typography.Text>
        <div style={{ flex: 1 }} />
        <Button icon={<ReloadOutlined />} onClick={() => void load()}>
          Refresh
        </Button>
      </div>
      <Table<SessionRow>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={data?.sessions ?? []}
        columns={columns}
        scroll={{ x: 'max-content' }}
        pagination={{ current: page.current, pageSize: page.size, total: data?.total ?? 0, pageSizeOptions: [10, 20, 50, 100], onChange: (current, size) => setPage({ current, size }) }}
        data-testid="sessions-table"
      />
    </div>
  );
}
