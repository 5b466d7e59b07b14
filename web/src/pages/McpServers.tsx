// MCP servers (coco-api.md §7.3): stdio {command, args, env} or sse / streamable_http {url}. Args and
// env are edited one per line; env values come back masked and are kept when sent back unchanged.
import { useState } from 'react';
import { App, Button, Col, Form, Input, Row, Select, Switch, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { api, errorText, GetEnvelope } from '../api';
import { httpUrlRule, lines, ListToolbar, RowActions } from '../components';
import { EditDrawer, useItemSaver, useResourceList } from '../resource-list';
import type { McpServer, McpType } from '../types';

type McpForm = Omit<McpServer, 'config'> & { command?: string; args_text?: string; env_text?: string; url?: string };

const blank = (): McpForm => ({ name: '', description: '', icon: '', category: '', tags: [], enabled: true, type: 'stdio', command: '', args_text: '', env_text: '', url: '' });

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

function toBody(v: McpForm): McpServer {
  const common = { name: v.name.trim(), description: v.description ?? '', icon: v.icon ?? '', category: v.category ?? '', tags: v.tags ?? [], enabled: !!v.enabled, type: v.type };
  if (v.type !== 'stdio') return { ...common, config: { url: (v.url ?? '').trim() } };
  const env: Record<string, string> = {};
  for (const l of lines(v.env_text)) {
    const m = ENV_LINE.exec(l)!;
    env[m[1]!] = m[2]!;
  }
  return { ...common, config: { command: (v.command ?? '').trim(), args: lines(v.args_text), env } };
}

export function McpServers() {
  const { message } = App.useApp();
  const list = useResourceList<McpServer>('/mcp_server');
  const saver = useItemSaver('/mcp_server', list.load);
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const [form] = Form.useForm<McpForm>();
  const type = Form.useWatch('type', form) as McpType | undefined;

  const open = async (s?: McpServer) => {
    saver.setError('');
    form.resetFields();
    if (!s) {
      form.setFieldsValue(blank());
      setEditing({});
      return;
    }
    try {
      const { _source } = await api.get<GetEnvelope<McpServer>>(`/mcp_server/${s.id}`);
      const c = _source.config ?? {};
      form.setFieldsValue({
        ...blank(),
        ..._source,
        command: c.command ?? '',
        args_text: (c.args ?? []).join('\n'),
        env_text: Object.entries(c.env ?? {})
          .map(([k, val]) => `${k}=${val}`)
          .join('\n'),
        url: c.url ?? '',
      });
      setEditing({ id: s.id });
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = toBody({ ...blank(), ...(form.getFieldsValue(true) as McpForm) });
    if (await saver.save(editing?.id, body)) setEditing(null);
  };

  const columns: ColumnsType<McpServer> = [
    { title: 'Name', dataIndex: 'name' },
    { title: 'Type', dataIndex: 'type', width: 140, render: (t: string) => <Tag>{t}</Tag> },
    { title: 'Description', dataIndex: 'description', ellipsis: true, responsive: ['md'] },
    { title: 'Enabled', width: 90, render: (_, s) => <Switch size="small" checked={s.enabled} onChange={(v) => void list.setEnabled(s, v)} /> },
    {
      title: 'Actions',
      width: 100,
      render: (_, s) => (
        <RowActions onEdit={() => void open(s)} onDelete={() => list.confirmDelete(s, `Delete MCP server ${s.name}?`)} />
      ),
    },
  ];

  return (
    <div>
      <ListToolbar placeholder="Search MCP servers" onSearch={list.searchFor} onRefresh={() => void list.load()}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()}>
          Add
        </Button>
      </ListToolbar>
      <Table<McpServer> {...list.table} columns={columns} />
      <EditDrawer title={editing?.id ? 'Edit MCP server' : 'New MCP server'} open={!!editing} onClose={() => setEditing(null)} width={600} onSave={() => void save()} saving={saver.saving} error={saver.error}>
        <Form form={form} layout="vertical">
          <Row gutter={12}>
            <Col xs={24} md={14}>
              <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={10}>
              <Form.Item name="type" label="Type">
                <Select
                  options={[
                    { value: 'stdio', label: 'stdio (a local command)' },
                    { value: 'sse', label: 'sse' },
                    { value: 'streamable_http', label: 'streamable_http' },
                  ]}
                />
              </Form.Item>
            </Col>
          </Row>
          {type === 'stdio' ? (
            <>
              <Form.Item name="command" label="Command" rules={[{ required: true, whitespace: true, message: 'A command such as npx or uvx' }]}>
                <Input placeholder="npx" />
              </Form.Item>
              <Form.Item name="args_text" label="Arguments (one per line)">
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} placeholder={'@playwright/mcp@latest\n--headless'} style={{ fontFamily: 'monospace' }} />
              </Form.Item>
              <Form.Item
                name="env_text"
                label="Environment (KEY=value, one per line)"
                extra="Stored values come back masked (******); leave them as they are to keep them."
                rules={[
                  {
                    validator: async (_, v: string) => {
                      const bad = lines(v).find((l) => !ENV_LINE.test(l));
                      if (bad) throw new Error(`"${bad}" is not KEY=value`);
                    },
                  },
                ]}
              >
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} style={{ fontFamily: 'monospace' }} />
              </Form.Item>
            </>
          ) : (
            <Form.Item name="url" label="URL" rules={[httpUrlRule('An http(s) URL', false)]}>
              <Input placeholder="http://127.0.0.1:8931/mcp" />
            </Form.Item>
          )}
          <Form.Item name="description" label="Description">
            <Input.TextArea autoSize={{ minRows: 2 }} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={10}>
              <Form.Item name="category" label="Category">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={10}>
              <Form.Item name="tags" label="Tags">
                <Select mode="tags" tokenSeparators={[',']} />
              </Form.Item>
            </Col>
            <Col xs={24} md={4}>
              <Form.Item name="enabled" label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
          </Row>
        </Form>
      </EditDrawer>
    </div>
  );
}
