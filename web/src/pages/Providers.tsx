// Model providers (coco-api.md §7.1). The API key is written, never shown: the server masks it on GET
// and drops it from search hits; saving without a new key keeps the stored one.
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Checkbox, Col, Drawer, Form, Input, Row, Select, Space, Switch, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api, errorText, GetEnvelope, search } from '../api';
import { httpUrlRule, ListToolbar, RowActions } from '../components';
import type { ModelProvider } from '../types';

type ProviderForm = Omit<ModelProvider, 'api_key'> & { api_key_new?: string; clear_key?: boolean };

const blank = (): ProviderForm => ({ name: '', description: '', icon: '', website: '', api_type: 'openai', base_url: '', models: [], enabled: true });

export function Providers() {
  const { message, modal } = App.useApp();
  const [query, setQuery] = useState('');
  const [page, setPage] = useState({ current: 1, size: 10 });
  const [data, setData] = useState<{ total: number; items: ModelProvider[] }>({ total: 0, items: [] });
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<{ id?: string; hasKey: boolean; builtin?: boolean } | null>(null);
  const [serverError, setServerError] = useState('');
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<ProviderForm>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await search<ModelProvider>('/model_provider', { query, from: (page.current - 1) * page.size, size: page.size }));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [query, page, message]);
  useEffect(() => void load(), [load]);

  const open = async (p?: ModelProvider) => {
    setServerError('');
    form.resetFields();
    if (!p) {
      form.setFieldsValue(blank());
      setEditing({ hasKey: false });
      return;
    }
    try {
      const { _source } = await api.get<GetEnvelope<ModelProvider>>(`/model_provider/${p.id}`);
      const { api_key, ...rest } = _source;
      form.setFieldsValue({ ...blank(), ...rest });
      setEditing({ id: p.id, hasKey: !!api_key, builtin: _source.builtin });
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const save = async () => {
    let v: ProviderForm;
    try {
      await form.validateFields();
      v = form.getFieldsValue(true) as ProviderForm; // with the fields no input shows (model settings)
    } catch {
      return;
    }
    const { api_key_new, clear_key, ...rest } = { ...blank(), ...v };
    const body: ModelProvider = { ...rest, models: (rest.models ?? []).filter((m) => m?.name?.trim()) };
    if (api_key_new) body.api_key = api_key_new;
    else if (clear_key) body.api_key = '';
    setSaving(true);
    setServerError('');
    try {
      if (editing?.id) await api.put(`/model_provider/${editing.id}`, body);
      else await api.post('/model_provider/', body);
      message.success(`Saved ${body.name}`);
      setEditing(null);
      await load();
    } catch (err) {
      setServerError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (p: ModelProvider, enabled: boolean) => {
    try {
      const { _source } = await api.get<GetEnvelope<ModelProvider>>(`/model_provider/${p.id}`);
      const { api_key: _masked, ...rest } = _source; // omitted: the stored key is kept
      await api.put(`/model_provider/${p.id}`, { ...rest, enabled });
      setData((d) => ({ ...d, items: d.items.map((x) => (x.id === p.id ? { ...x, enabled } : x)) }));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const remove = (p: ModelProvider) =>
    modal.confirm({
      title: `Delete model provider ${p.name}?`,
      content: 'Assistants that use it will have no answering model.',
      okText: 'Delete',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api.del(`/model_provider/${p.id}`);
          await load();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });

  const columns: ColumnsType<ModelProvider> = [
    { title: 'Name', render: (_, p) => <Space>{p.name}{p.builtin && <Tag>Built-in</Tag>}</Space> },
    { title: 'API type', dataIndex: 'api_type', width: 100, responsive: ['sm'] },
    { title: 'Base URL', dataIndex: 'base_url', ellipsis: true, responsive: ['md'] },
    { title: 'Models', render: (_, p) => (p.models ?? []).map((m) => <Tag key={m.name}>{m.name}</Tag>), responsive: ['lg'] },
    { title: 'Enabled', width: 90, render: (_, p) => <Switch size="small" checked={p.enabled} onChange={(v) => void toggle(p, v)} /> },
    {
      title: 'Actions',
      width: 100,
      render: (_, p) => (
        <RowActions onEdit={() => void open(p)} onDelete={!p.builtin ? () => remove(p) : undefined} />
      ),
    },
  ];

  return (
    <div>
      <ListToolbar placeholder="Search providers" onSearch={(q) => { setQuery(q); setPage((p) => ({ ...p, current: 1 })); }} onRefresh={() => void load()}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()}>
          Add
        </Button>
      </ListToolbar>
      <Table<ModelProvider>
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data.items}
        scroll={{ x: 'max-content' }}
        pagination={{ current: page.current, pageSize: page.size, total: data.total, onChange: (current, size) => setPage({ current, size }) }}
      />
      <Drawer
        title={editing?.id ? 'Edit model provider' : 'New model provider'}
        open={!!editing}
        onClose={() => setEditing(null)}
        width={Math.min(640, window.innerWidth)}
        destroyOnHidden
        extra={
          <Button type="primary" loading={saving} onClick={() => void save()}>
            Save
          </Button>
        }
      >
        {serverError && <Alert type="error" showIcon message={serverError} style={{ marginBottom: 16 }} />}
        <Form form={form} layout="vertical">
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true }]}>
                <Input disabled={editing?.builtin} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="api_type" label="API type">
                <Select options={['openai', 'ollama', 'gemini', 'anthropic'].map((v) => ({ value: v, label: v }))} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="base_url" label="Base URL" rules={[httpUrlRule('An http(s) URL such as https://api.deepseek.com/v1')]}>
            <Input placeholder="https://api.deepseek.com/v1" />
          </Form.Item>
          <Form.Item
            name="api_key_new"
            label="API key"
            extra={editing?.hasKey ? 'A key is stored. It is never shown; leave this empty to keep it.' : 'Stored on the server and never shown again.'}
          >
            <Input.Password placeholder={editing?.hasKey ? '•••••••• (unchanged)' : 'sk-…'} autoComplete="new-password" visibilityToggle={false} />
          </Form.Item>
          {editing?.hasKey && (
            <Form.Item name="clear_key" valuePropName="checked">
              <Checkbox>Remove the stored key</Checkbox>
            </Form.Item>
          )}
          <Form.Item name="description" label="Description">
            <Input.TextArea autoSize={{ minRows: 2 }} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name="website" label="Website">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="icon" label="Icon URL">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={4}>
              <Form.Item name="enabled" label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
          </Row>
          <Form.List name="models">
            {(fields, { add, remove: drop }) => (
              <>
                <div style={{ marginBottom: 8, fontWeight: 500 }}>Models</div>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" wrap style={{ display: 'flex', marginBottom: 4 }}>
                    <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: 'Model name' }]} style={{ marginBottom: 8 }}>
                      <Input placeholder="model name, e.g. deepseek-chat" style={{ width: 220 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'type']} style={{ marginBottom: 8 }}>
                      <Select allowClear placeholder="type" style={{ width: 120 }} options={['language', 'vision', 'embedding'].map((v) => ({ value: v, label: v }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'support_reasoning']} valuePropName="checked" style={{ marginBottom: 8 }}>
                      <Checkbox>reasoning</Checkbox>
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => drop(f.name)} aria-label="Remove model" />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '' })}>
                  Add model
                </Button>
              </>
            )}
          </Form.List>
        </Form>
      </Drawer>
    </div>
  );
}
