// Model providers (coco-api.md §7.1). The API key is written, never shown: the server masks it on GET
// and drops it from search hits; saving without a new key keeps the stored one.
import { useState } from 'react';
import { App, Button, Checkbox, Col, Form, Input, Row, Select, Space, Switch, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api, errorText, GetEnvelope } from '../api';
import { httpUrlRule, ListToolbar, RowActions } from '../components';
import { EditDrawer, useItemSaver, useResourceList } from '../resource-list';
import type { ModelProvider } from '../types';

type ProviderForm = Omit<ModelProvider, 'api_key'> & { api_key_new?: string; clear_key?: boolean };

const blank = (): ProviderForm => ({ name: '', description: '', icon: '', website: '', api_type: 'openai', base_url: '', models: [], enabled: true });

export function Providers() {
  const { message } = App.useApp();
  const list = useResourceList<ModelProvider>('/model_provider');
  const saver = useItemSaver('/model_provider', list.load);
  const [editing, setEditing] = useState<{ id?: string; hasKey: boolean; builtin?: boolean } | null>(null);
  const [form] = Form.useForm<ProviderForm>();

  const open = async (p?: ModelProvider) => {
    saver.setError('');
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
    if (await saver.save(editing?.id, body, body.name)) setEditing(null);
  };

  // The masked key is left out of the PUT, so the stored one is kept.
  const withoutKey = ({ api_key: _masked, ...rest }: ModelProvider) => rest;
  const remove = (p: ModelProvider) => list.confirmDelete(p, `Delete model provider ${p.name}?`, 'Assistants that use it will have no answering model.');

  const columns: ColumnsType<ModelProvider> = [
    { title: 'Name', render: (_, p) => <Space>{p.name}{p.builtin && <Tag>Built-in</Tag>}</Space> },
    { title: 'API type', dataIndex: 'api_type', width: 100, responsive: ['sm'] },
    { title: 'Base URL', dataIndex: 'base_url', ellipsis: true, responsive: ['md'] },
    { title: 'Models', render: (_, p) => (p.models ?? []).map((m) => <Tag key={m.name}>{m.name}</Tag>), responsive: ['lg'] },
    { title: 'Enabled', width: 90, render: (_, p) => <Switch size="small" checked={p.enabled} onChange={(v) => void list.setEnabled(p, v, withoutKey)} /> },
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
      <ListToolbar placeholder="Search providers" onSearch={list.searchFor} onRefresh={() => void list.load()}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()}>
          Add
        </Button>
      </ListToolbar>
      <Table<ModelProvider> {...list.table} columns={columns} />
      <EditDrawer title={editing?.id ? 'Edit model provider' : 'New model provider'} open={!!editing} onClose={() => setEditing(null)} width={640} onSave={() => void save()} saving={saver.saving} error={saver.error}>
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
      </EditDrawer>
    </div>
  );
}
