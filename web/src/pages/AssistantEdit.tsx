// Add and Edit an assistant: every section of coco-api.md §8. The datasource filter is JSON text that
// must parse before anything is sent; server validation errors ("<field path>: ...") are shown above
// the form and on the fields they name.
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, AutoComplete, Button, Card, Col, Form, Input, InputNumber, Row, Select, Skeleton, Space, Switch, Typography } from 'antd';
import { ArrowLeftOutlined, SaveOutlined } from '@ant-design/icons';
import { useNavigate, useParams } from 'react-router-dom';
import { api, ApiError, errorText, GetEnvelope, search } from '../api';
import { AssistantIcon, ICONS, lines, parseJsonObject } from '../components';
import type { Assistant, Datasource, McpServer, ModelConfig, ModelProvider, ModelSettings } from '../types';
import { ModelPicker } from './ModelPicker';

export const DEFAULT_GREETING =
  'Hi! I’m Coco, nice to meet you. I can help answer your questions by tapping into the internet and your data sources. How can I assist you today?';

const emptyModel = (): ModelConfig => ({ provider_id: '', name: '', settings: {} });

/** Add's defaults (coco-api.md §8). */
export function newAssistant(): Assistant {
  return {
    name: '',
    description: '',
    icon: 'font_coco',
    type: 'simple',
    category: '',
    tags: [],
    enabled: true,
    keepalive: '30m',
    role_prompt: '',
    answering_model: emptyModel(),
    config: null,
    datasource: { enabled: true, ids: ['*'], visible: true, enabled_by_default: false, filter: null },
    mcp_servers: { enabled: true, ids: ['*'], visible: true, enabled_by_default: false, max_iterations: 5, model: null },
    tools: { enabled: false, builtin: { calculator: false, wikipedia: false, duckduckgo: false, scraper: false } },
    upload: { enabled: false, allowed_file_extensions: ['*'], max_file_size_in_bytes: 1048576, max_file_count: 6 },
    chat_settings: {
      greeting_message: DEFAULT_GREETING,
      suggested: { enabled: false, questions: [] },
      input_preprocess_tpl: '',
      placeholder: '',
      history_message: { number: 5, compression_threshold: 1000, summary: true },
    },
  };
}

const deepThinkDefaults = () => ({ intent_analysis_model: emptyModel(), picking_doc_model: emptyModel(), pick_datasource: false, pick_tools: false, tools_promised_result_size: 0, visible: true });

type FormValues = Assistant & { filter_text: string; questions_text: string; extensions_text: string };

function toForm(a: Assistant): FormValues {
  const base = newAssistant();
  const merged: Assistant = {
    ...base,
    ...a,
    answering_model: { ...emptyModel(), ...a.answering_model },
    config: a.config ? { ...deepThinkDefaults(), ...a.config } : deepThinkDefaults(),
    datasource: { ...base.datasource, ...a.datasource },
    mcp_servers: { ...base.mcp_servers, ...a.mcp_servers, model: a.mcp_servers?.model ?? emptyModel() },
    tools: { ...base.tools, ...a.tools, builtin: { ...base.tools.builtin, ...a.tools?.builtin } },
    upload: { ...base.upload, ...a.upload },
    chat_settings: {
      ...base.chat_settings,
      ...a.chat_settings,
      suggested: { ...base.chat_settings.suggested, ...a.chat_settings?.suggested },
      history_message: { ...base.chat_settings.history_message, ...a.chat_settings?.history_message },
    },
  };
  return {
    ...merged,
    filter_text: merged.datasource.filter && Object.keys(merged.datasource.filter).length ? JSON.stringify(merged.datasource.filter, null, 2) : '',
    questions_text: merged.chat_settings.suggested.questions.join('\n'),
    extensions_text: merged.upload.allowed_file_extensions.join(', '),
  };
}

function cleanSettings(s: ModelSettings | undefined): ModelSettings {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s ?? {})) if (v !== null && v !== undefined) out[k] = v;
  return out as ModelSettings;
}

function cleanModel(m: ModelConfig | null | undefined): ModelConfig {
  const out: ModelConfig = { provider_id: m?.provider_id ?? '', name: m?.name ?? '', settings: cleanSettings(m?.settings) };
  if (m?.prompt) out.prompt = m.prompt;
  return out;
}

/** Form values → the assistant object PUT/POSTed. Throws on malformed filter JSON. */
function fromForm(v: FormValues, original: Assistant): Assistant {
  const ids = (list: string[] | undefined) => (!list || list.length === 0 ? [] : list.includes('*') ? ['*'] : list);
  const mcpModel = v.mcp_servers.model?.provider_id || v.mcp_servers.model?.name ? cleanModel(v.mcp_servers.model) : null;
  const out: Assistant = {
    ...original,
    name: v.name.trim(),
    description: v.description ?? '',
    icon: v.icon || 'font_coco',
    type: v.type,
    category: (v.category ?? '').trim(),
    tags: v.tags ?? [],
    enabled: !!v.enabled,
    keepalive: (v.keepalive ?? '').trim() || '30m',
    role_prompt: v.role_prompt ?? '',
    answering_model: cleanModel(v.answering_model),
    config:
      v.type === 'deep_think' && v.config
        ? {
            ...v.config,
            intent_analysis_model: cleanModel(v.config.intent_analysis_model),
            picking_doc_model: cleanModel(v.config.picking_doc_model),
            tools_promised_result_size: v.config.tools_promised_result_size ?? 0,
          }
        : null,
    datasource: { ...v.datasource, ids: ids(v.datasource.ids), filter: parseJsonObject(v.filter_text, 'The datasource filter') },
    mcp_servers: { ...v.mcp_servers, ids: ids(v.mcp_servers.ids), max_iterations: v.mcp_servers.max_iterations ?? 5, model: mcpModel },
    tools: v.tools,
    upload: {
      ...v.upload,
      allowed_file_extensions: (v.extensions_text ?? '')
        .split(/[\s,]+/)
        .map((e) => e.trim())
        .filter(Boolean),
      max_file_size_in_bytes: v.upload.max_file_size_in_bytes ?? 0,
      max_file_count: v.upload.max_file_count ?? 0,
    },
    chat_settings: {
      ...v.chat_settings,
      input_preprocess_tpl: v.chat_settings.input_preprocess_tpl ?? '',
      placeholder: v.chat_settings.placeholder ?? '',
      greeting_message: v.chat_settings.greeting_message ?? '',
      suggested: { enabled: !!v.chat_settings.suggested.enabled, questions: lines(v.questions_text) },
      history_message: {
        number: v.chat_settings.history_message.number ?? 0,
        compression_threshold: v.chat_settings.history_message.compression_threshold ?? 0,
        summary: !!v.chat_settings.history_message.summary,
      },
    },
  };
  delete out.id;
  delete out.created;
  delete out.updated;
  delete out.builtin;
  return out;
}

/** "a.b[0].c: msg; d: msg" → field errors. `datasource.filter` lives in the filter text box. */
function serverFieldErrors(reason: string): Array<{ name: Array<string | number>; errors: string[] }> {
  const out: Array<{ name: Array<string | number>; errors: string[] }> = [];
  for (const part of reason.split('; ')) {
    const m = /^([A-Za-z_][\w.[\]]*): (.+)$/.exec(part);
    if (!m) continue;
    const path = m[1]!.split(/[.[\]]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    let name: Array<string | number> = path;
    if (path[0] === 'datasource' && path[1] === 'filter') name = ['filter_text'];
    if (path[0] === 'chat_settings' && path[1] === 'suggested' && path[2] === 'questions') name = ['questions_text'];
    if (path[0] === 'upload' && path[1] === 'allowed_file_extensions') name = ['extensions_text'];
    out.push({ name, errors: [m[2]!] });
  }
  return out;
}

const filterRule = {
  validator: async (_: unknown, value: string | undefined) => {
    parseJsonObject(value, 'The filter');
  },
};

export function AssistantEdit() {
  const { id } = useParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [original, setOriginal] = useState<Assistant>();
  const [providers, setProviders] = useState<ModelProvider[]>([]);
  const [datasources, setDatasources] = useState<Datasource[]>([]);
  const [mcpServers, setMcpServers] = useState<McpServer[]>([]);
  const [categories, setCategories] = useState<string[]>([]);
  const [loadError, setLoadError] = useState('');
  const [serverError, setServerError] = useState('');
  const [saving, setSaving] = useState(false);
  const type = Form.useWatch('type', form);
  const icon = Form.useWatch('icon', form);

  useEffect(() => {
    let live = true;
    setOriginal(undefined);
    setLoadError('');
    setServerError('');
    const load = async () => {
      const [a, p, d, m, c] = await Promise.allSettled([
        id ? api.get<GetEnvelope<Assistant>>(`/assistant/${id}`).then((r) => r._source) : Promise.resolve(newAssistant()),
        search<ModelProvider>('/model_provider', { size: 200 }),
        search<Datasource>('/datasource', { size: 1000 }),
        search<McpServer>('/mcp_server', { size: 1000 }),
        api.post<{ aggregations?: { categories?: { buckets?: Array<{ key: string }> } } }>('/assistant/_search', { size: 0, aggs: { categories: { terms: { field: 'category', size: 100 } } } }),
      ]);
      if (!live) return;
      if (p.status === 'fulfilled') setProviders(p.value.items);
      if (d.status === 'fulfilled') setDatasources(d.value.items);
      if (m.status === 'fulfilled') setMcpServers(m.value.items);
      if (c.status === 'fulfilled') setCategories((c.value.aggregations?.categories?.buckets ?? []).map((b) => b.key).filter(Boolean));
      if (a.status === 'rejected') {
        setLoadError(errorText(a.reason));
        return;
      }
      setOriginal(a.value);
      form.resetFields();
      form.setFieldsValue(toForm(a.value));
    };
    void load();
    return () => {
      live = false;
    };
  }, [id, form]);

  const save = async (values: FormValues) => {
    if (!original) return;
    setServerError('');
    let body: Assistant;
    try {
      body = fromForm({ ...toForm(original), ...values }, original);
    } catch (err) {
      form.setFields([{ name: 'filter_text', errors: [errorText(err)] }]);
      return;
    }
    setSaving(true);
    try {
      if (id) await api.put(`/assistant/${id}`, body);
      else await api.post('/assistant/', body);
      message.success(id ? `Saved ${body.name}` : `Created ${body.name}`);
      navigate('/ai-assistant/list');
    } catch (err) {
      const reason = errorText(err);
      setServerError(reason);
      if (err instanceof ApiError && err.status === 400) form.setFields(serverFieldErrors(reason));
    } finally {
      setSaving(false);
    }
  };

  const dsOptions = useMemo(() => [{ value: '*', label: 'All datasources' }, ...datasources.map((d) => ({ value: d.id!, label: d.name + (d.enabled ? '' : ' (disabled)') }))], [datasources]);
  const mcpOptions = useMemo(() => [{ value: '*', label: 'All MCP servers' }, ...mcpServers.map((d) => ({ value: d.id!, label: d.name + (d.enabled ? '' : ' (disabled)') }))], [mcpServers]);
  /** Picking "All" collapses the ids to ["*"]; picking one after "All" drops "All". */
  const normalizeIds = (value: string[], prev: string[] | undefined) => {
    if (!value) return value;
    const hadAll = prev?.includes('*');
    if (value.includes('*') && !hadAll) return ['*'];
    if (hadAll && value.length > 1) return value.filter((v) => v !== '*');
    return value;
  };

  if (loadError) return <Alert type="error" showIcon message="Could not load the assistant" description={loadError} action={<Button onClick={() => navigate('/ai-assistant/list')}>Back</Button>} />;
  if (!original) return <Skeleton active />;

  return (
    <div className="form-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/ai-assistant/list')}>
          Back
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {id ? `Edit ${original.name}` : 'New AI assistant'}
        </Typography.Title>
        {original.builtin && <Typography.Text type="secondary">(built-in: can be edited, not renamed or deleted)</Typography.Text>}
      </Space>
      <Form<FormValues> form={form} layout="vertical" onFinish={() => void save(form.getFieldsValue(true) as FormValues)} scrollToFirstError onValuesChange={() => serverError && setServerError('')} data-testid="assistant-form">
        {serverError && <Alert type="error" showIcon message="The server refused to save" description={serverError} style={{ marginBottom: 16 }} data-testid="server-error" />}
        <Card title="Basics" size="small">
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true, message: 'A name is required' }]}>
                <Input disabled={original.builtin} maxLength={200} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="type" label="Type">
                <Select
                  options={[
                    { value: 'simple', label: 'Simple' },
                    { value: 'deep_think', label: 'Deep Think' },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="description" label="Description">
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="icon" label="Icon" tooltip="A font key, or an image URL / data URI">
                <AutoComplete options={Object.keys(ICONS).map((k) => ({ value: k, label: <Space><AssistantIcon icon={k} />{k}</Space> }))}>
                  <Input prefix={<AssistantIcon icon={icon} />} />
                </AutoComplete>
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="category" label="Category">
                <AutoComplete options={categories.map((c) => ({ value: c }))} placeholder="Pick or type a category" filterOption />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="tags" label="Tags">
                <Select mode="tags" tokenSeparators={[',']} placeholder="Add tags" />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="enabled" label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="keepalive" label="Keepalive" tooltip="How long Ollama keeps the model loaded, e.g. 30m" rules={[{ pattern: /^\d+(ms|s|m|h|d)$/, message: 'A duration such as 30m, 90s or 1h' }]}>
                <Input placeholder="30m" />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Card title="Answering model" size="small">
          <ModelPicker base={['answering_model']} providers={providers} form={form} />
        </Card>

        {type === 'deep_think' && (
          <Card title="Deep Think" size="small" data-testid="deep-think">
            <Typography.Text strong>Intent analysis model</Typography.Text>
            <ModelPicker base={['config', 'intent_analysis_model']} providers={providers} form={form} />
            <Typography.Text strong>Document picking model</Typography.Text>
            <ModelPicker base={['config', 'picking_doc_model']} providers={providers} form={form} />
            <Row gutter={12}>
              <Col xs={12} md={6}>
                <Form.Item name={['config', 'visible']} label="Show in chat" valuePropName="checked" tooltip="Clients show the Deep Think toggle">
                  <Switch />
                </Form.Item>
              </Col>
              <Col xs={12} md={6}>
                <Form.Item name={['config', 'pick_datasource']} label="Intent picks datasource" valuePropName="checked">
                  <Switch />
                </Form.Item>
              </Col>
              <Col xs={12} md={6}>
                <Form.Item name={['config', 'pick_tools']} label="Intent picks tools" valuePropName="checked">
                  <Switch />
                </Form.Item>
              </Col>
              <Col xs={12} md={6}>
                <Form.Item name={['config', 'tools_promised_result_size']} label="Tools result size" tooltip="Skip datasource search when tools return more than this (0 = never)">
                  <InputNumber min={0} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
          </Card>
        )}

        <Card title="Prompts" size="small">
          <Form.Item name="role_prompt" label="Role prompt" tooltip="System message for the answer; the default text when empty">
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 12 }} placeholder="You are a helpful assistant…" />
          </Form.Item>
          <Form.Item name={['chat_settings', 'greeting_message']} label="Greeting">
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
        </Card>

        <Card title="Datasource" size="small">
          <Row gutter={12}>
            <Col xs={12} md={6}>
              <Form.Item name={['datasource', 'enabled']} label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['datasource', 'visible']} label="Visible" valuePropName="checked" tooltip="Clients show a datasource picker">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['datasource', 'enabled_by_default']} label="On by default" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name={['datasource', 'ids']} label="Datasources" normalize={normalizeIds}>
            <Select mode="multiple" options={dsOptions} placeholder="Pick datasources (All = every enabled one)" optionFilterProp="label" />
          </Form.Item>
          <Form.Item name="filter_text" label="Filter (JSON)" rules={[filterRule]} validateTrigger={['onBlur', 'onSubmit']} tooltip="An Elasticsearch clause added to every retrieval; empty = none" extra='For example {"term": {"category": "docs"}}'>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} spellCheck={false} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        </Card>

        <Card title="MCP servers" size="small">
          <Row gutter={12}>
            <Col xs={12} md={6}>
              <Form.Item name={['mcp_servers', 'enabled']} label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['mcp_servers', 'visible']} label="Visible" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['mcp_servers', 'enabled_by_default']} label="On by default" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['mcp_servers', 'max_iterations']} label="Max iterations" tooltip="Caps the tool loop; ≤ 1 means 5">
                <InputNumber min={0} max={100} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name={['mcp_servers', 'ids']} label="MCP servers" normalize={normalizeIds}>
            <Select mode="multiple" options={mcpOptions} placeholder="Pick MCP servers" optionFilterProp="label" />
          </Form.Item>
          <Typography.Text strong>Tool-calling model</Typography.Text>
          <ModelPicker base={['mcp_servers', 'model']} providers={providers} form={form} optional="Empty: the answering model" />
        </Card>

        <Card title="Builtin tools" size="small">
          <Row gutter={12}>
            <Col xs={12} md={4}>
              <Form.Item name={['tools', 'enabled']} label="Tools enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            {(['calculator', 'wikipedia', 'duckduckgo', 'scraper'] as const).map((t) => (
              <Col xs={12} md={5} key={t}>
                <Form.Item name={['tools', 'builtin', t]} label={t[0]!.toUpperCase() + t.slice(1)} valuePropName="checked">
                  <Switch />
                </Form.Item>
              </Col>
            ))}
          </Row>
        </Card>

        <Card title="Upload" size="small">
          <Row gutter={12}>
            <Col xs={12} md={6}>
              <Form.Item name={['upload', 'enabled']} label="Enabled" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="extensions_text" label="Extensions" tooltip="Comma separated; * = any">
                <Input placeholder="*" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['upload', 'max_file_size_in_bytes']} label="Max file size (bytes)">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name={['upload', 'max_file_count']} label="Max files">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Card title="Chat settings" size="small">
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name={['chat_settings', 'input_preprocess_tpl']} label="Input pre-process template" tooltip="Rewrites the user's text before all steps, e.g. Answer briefly: {{.query}}">
                <Input placeholder="{{.query}}" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name={['chat_settings', 'placeholder']} label="Input placeholder">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name={['chat_settings', 'history_message', 'number']} label="History messages">
                <InputNumber min={0} max={1000} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name={['chat_settings', 'history_message', 'compression_threshold']} label="Compression threshold">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name={['chat_settings', 'history_message', 'summary']} label="Summary" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name={['chat_settings', 'suggested', 'enabled']} label="Suggested questions" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="questions_text" label="Questions (one per line)">
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <div className="form-actions">
          <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving} data-testid="save-assistant">
            Save
          </Button>
          <Button onClick={() => navigate('/ai-assistant/list')}>Cancel</Button>
        </div>
      </Form>
    </div>
  );
}
