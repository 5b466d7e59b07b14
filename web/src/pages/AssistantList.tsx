// AI Assistant list (coco-api.md §8): search + Refresh, pagination, enable switch, Edit / Delete / Clone.
import { useCallback, useEffect, useState } from 'react';
import { App, Button, Input, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CopyOutlined, DeleteOutlined, EditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { api, errorText, GetEnvelope, search } from '../api';
import { AssistantIcon } from '../components';
import type { Assistant } from '../types';

export function AssistantList() {
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [typed, setTyped] = useState('');
  const [page, setPage] = useState({ current: 1, size: 10 });
  const [data, setData] = useState<{ total: number; items: Assistant[] }>({ total: 0, items: [] });
  const [loading, setLoading] = useState(false);
  const [switching, setSwitching] = useState<string>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await search<Assistant>('/assistant', { query, from: (page.current - 1) * page.size, size: page.size }));
    } catch (err) {
      message.error(`Could not load assistants: ${errorText(err)}`);
    } finally {
      setLoading(false);
    }
  }, [query, page, message]);

  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (a: Assistant, enabled: boolean) => {
    setSwitching(a.id);
    try {
      const { _source } = await api.get<GetEnvelope<Assistant>>(`/assistant/${a.id}`);
      await api.put(`/assistant/${a.id}`, { ..._source, enabled });
      message.success(`${a.name} ${enabled ? 'enabled' : 'disabled'}`);
      setData((d) => ({ ...d, items: d.items.map((x) => (x.id === a.id ? { ...x, enabled } : x)) }));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSwitching(undefined);
    }
  };

  const remove = (a: Assistant) => {
    modal.confirm({
      title: `Delete assistant ${a.name}?`,
      content: 'Its sessions and messages are kept. This cannot be undone.',
      okText: 'Delete',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api.del(`/assistant/${a.id}`);
          message.success(`Deleted ${a.name}`);
          await load();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  const clone = async (a: Assistant) => {
    try {
      const res = await api.post<{ _id: string }>(`/assistant/${a.id}/_clone`);
      message.success(`Cloned ${a.name}`);
      navigate(`/ai-assistant/edit/${res._id}`);
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const columns: ColumnsType<Assistant> = [
    {
      title: 'Name',
      dataIndex: 'name',
      render: (_, a) => (
        <Space size={8}>
          <AssistantIcon icon={a.icon} />
          <Typography.Link onClick={() => navigate(`/ai-assistant/edit/${a.id}`)}>{a.name}</Typography.Link>
          {a.builtin && <Tag color="default">Built-in</Tag>}
        </Space>
      ),
    },
    { title: 'Type', dataIndex: 'type', width: 110, render: (t: string) => (t === 'deep_think' ? 'Deep Think' : 'Simple'), responsive: ['sm'] },
    {
      title: 'Datasource',
      width: 110,
      responsive: ['md'],
      render: (_, a) => (a.datasource?.enabled ? <Tag color="blue">enabled</Tag> : <Tag>disabled</Tag>),
    },
    {
      title: 'MCP',
      width: 100,
      responsive: ['md'],
      render: (_, a) => (a.mcp_servers?.enabled ? <Tag color="blue">enabled</Tag> : <Tag>disabled</Tag>),
    },
    { title: 'Description', dataIndex: 'description', ellipsis: { showTitle: true }, responsive: ['lg'] },
    {
      title: 'Enabled',
      width: 90,
      render: (_, a) => <Switch size="small" checked={a.enabled} loading={switching === a.id} onChange={(v) => void toggle(a, v)} aria-label={`enabled ${a.name}`} />,
    },
    {
      title: 'Actions',
      width: 120,
      render: (_, a) => (
        <Space size={2} data-testid={`actions-${a.id}`}>
          <Tooltip title="Edit">
            <Button type="text" size="small" icon={<EditOutlined />} aria-label="Edit" onClick={() => navigate(`/ai-assistant/edit/${a.id}`)} />
          </Tooltip>
          <Tooltip title="Clone">
            <Button type="text" size="small" icon={<CopyOutlined />} aria-label="Clone" onClick={() => void clone(a)} />
          </Tooltip>
          {!a.builtin && (
            <Tooltip title="Delete">
              <Button type="text" size="small" danger icon={<DeleteOutlined />} aria-label="Delete" onClick={() => remove(a)} />
            </Tooltip>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div>
      <div className="toolbar">
        <Input.Search
          className="grow"
          placeholder="Search assistants"
          allowClear
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          onSearch={(v) => {
            setQuery(v.trim());
            setPage((p) => ({ ...p, current: 1 }));
          }}
          data-testid="assistant-search"
        />
        <Button icon={<ReloadOutlined />} onClick={() => void load()}>
          Refresh
        </Button>
        <div style={{ flex: 1 }} />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/ai-assistant/new')} data-testid="add-assistant">
          Add
        </Button>
      </div>
      <Table<Assistant>
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data.items}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: page.current,
          pageSize: page.size,
          total: data.total,
          showSizeChanger: true,
          showTotal: (t) => `${t} assistants`,
          onChange: (current, size) => setPage({ current, size }),
        }}
      />
    </div>
  );
}
