// Datasources and their documents (coco-api.md §7.2): list, add/edit/delete; a datasource's documents
// (GET /document/_search?filter=source.id:<id>), add/edit/delete, and upload of .txt/.md files, read in
// the browser and POSTed to /datasource/:id/_doc.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ArrowLeftOutlined, FileTextOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { useNavigate, useParams } from 'react-router-dom';
import { api, errorText, GetEnvelope } from '../api';
import { ListToolbar, parseJsonObject, RowActions } from '../components';
import { EditDrawer, useItemSaver, useResourceList } from '../resource-list';
import type { CocoDocument, Datasource } from '../types';

type DsForm = Datasource & { config_text: string };

const blankDs = (): Datasource => ({ type: 'connector', name: '', description: '', icon: '', category: '', tags: [], connector: { id: '', config: null }, sync_enabled: false, enabled: true });

export function Datasources() {
  const { id } = useParams();
  return id ? <Documents datasourceId={id} /> : <DatasourceList />;
}

function DatasourceList() {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const list = useResourceList<Datasource>('/datasource');
  const saver = useItemSaver('/datasource', list.load);
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const [form] = Form.useForm<DsForm>();

  const open = async (d?: Datasource) => {
    saver.setError('');
    form.resetFields();
    let src = blankDs();
    if (d) {
      try {
        src = { ...src, ...(await api.get<GetEnvelope<Datasource>>(`/datasource/${d.id}`))._source };
      } catch (err) {
        message.error(errorText(err));
        return;
      }
    }
    form.setFieldsValue({ ...src, config_text: src.connector?.config ? JSON.stringify(src.connector.config, null, 2) : '' });
    setEditing({ id: d?.id });
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const { config_text, ...v } = form.getFieldsValue(true) as DsForm;
    const body: Datasource = { ...blankDs(), ...v, connector: { id: v.connector?.id ?? '', config: parseJsonObject(config_text, 'Connector config') } };
    delete body.id;
    if (await saver.save(editing?.id, body)) setEditing(null);
  };

  const columns: ColumnsType<Datasource> = [
    { title: 'Name', render: (_, d) => <Typography.Link onClick={() => navigate(`/datasource/${d.id}`)}>{d.name}</Typography.Link> },
    { title: 'Connector', render: (_, d) => d.connector?.id || <Typography.Text type="secondary">none</Typography.Text>, responsive: ['sm'] },
    { title: 'Description', dataIndex: 'description', ellipsis: true, responsive: ['md'] },
    { title: 'Enabled', width: 90, render: (_, d) => <Switch size="small" checked={d.enabled} onChange={(v) => void list.setEnabled(d, v)} /> },
    {
      title: 'Actions',
      width: 130,
      render: (_, d) => (
        <RowActions onEdit={() => void open(d)} onDelete={() => list.confirmDelete(d, `Delete datasource ${d.name}?`, 'Its documents are deleted too.')}>
          <Tooltip title="Documents">
            <Button type="text" size="small" icon={<FileTextOutlined />} aria-label="Documents" onClick={() => navigate(`/datasource/${d.id}`)} />
          </Tooltip>
        </RowActions>
      ),
    },
  ];

  return (
    <div>
      <ListToolbar placeholder="Search datasources" onSearch={list.searchFor} onRefresh={() => void list.load()}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()}>
          Add
        </Button>
      </ListToolbar>
      <Table<Datasource> {...list.table} columns={columns} />
      <EditDrawer title={editing?.id ? 'Edit datasource' : 'New datasource'} open={!!editing} onClose={() => setEditing(null)} width={560} onSave={() => void save()} saving={saver.saving} error={saver.error}>
        <Form form={form} layout="vertical">
          <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="description" label="Description">
            <Input.TextArea autoSize={{ minRows: 2 }} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name="category" label="Category">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="tags" label="Tags">
                <Select mode="tags" tokenSeparators={[',']} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name={['connector', 'id']} label="Connector id" tooltip="e.g. local_fs, hugo_site, rss; empty for documents pushed through the API">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="icon" label="Icon URL">
                <Input />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="config_text" label="Connector config (JSON)" rules={[{ validator: async (_, v: string) => void parseJsonObject(v, 'The config') }]}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
          <Space size={24}>
            <Form.Item name="enabled" label="Enabled" valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="sync_enabled" label="Sync enabled" valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </EditDrawer>
    </div>
  );
}

const blankDoc = (): CocoDocument => ({ type: '', category: '', title: '', summary: '', content: '', url: '', size: 0, tags: [] });

function Documents({ datasourceId }: { datasourceId: string }) {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [ds, setDs] = useState<Datasource>();
  const list = useResourceList<CocoDocument>('/document', `source.id:${datasourceId}`);
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const [serverError, setServerError] = useState('');
  const [form] = Form.useForm<CocoDocument>();

  useEffect(() => {
    api
      .get<GetEnvelope<Datasource>>(`/datasource/${datasourceId}`)
      .then((r) => setDs(r._source))
      .catch((err) => message.error(errorText(err)));
  }, [datasourceId, message]);

  const open = async (d?: CocoDocument) => {
    setServerError('');
    form.resetFields();
    let doc = blankDoc();
    if (d) {
      try {
        doc = { ...doc, ...(await api.get<GetEnvelope<CocoDocument>>(`/document/${d.id}`))._source };
      } catch (err) {
        message.error(errorText(err));
        return;
      }
    }
    form.setFieldsValue(doc);
    setEditing({ id: d?.id });
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = { ...blankDoc(), ...(form.getFieldsValue(true) as CocoDocument) };
    delete v.id;
    delete v.updated;
    v.size = v.size || new TextEncoder().encode(v.content ?? '').length;
    setServerError('');
    try {
      if (editing?.id) await api.put(`/document/${editing.id}`, v);
      else await api.post(`/datasource/${datasourceId}/_doc`, v);
      setEditing(null);
      await list.load();
    } catch (err) {
      setServerError(errorText(err));
    }
  };

  const upload = async (file: File) => {
    if (!/\.(txt|md|markdown)$/i.test(file.name)) {
      message.error(`${file.name}: only .txt and .md files can be uploaded`);
      return;
    }
    try {
      const content = await file.text();
      const markdown = /\.(md|markdown)$/i.test(file.name);
      const heading = markdown ? /^#\s+(.+)$/m.exec(content)?.[1]?.trim() : undefined;
      await api.post(`/datasource/${datasourceId}/_doc`, {
        title: heading || file.name.replace(/\.(txt|md|markdown)$/i, ''),
        content,
        summary: content.replace(/\s+/g, ' ').slice(0, 200),
        type: markdown ? 'markdown' : 'text',
        size: file.size,
        url: '',
        metadata: { filename: file.name },
      });
      message.success(`Uploaded ${file.name}`);
      await list.load();
    } catch (err) {
      message.error(`${file.name}: ${errorText(err)}`);
    }
  };

  const columns: ColumnsType<CocoDocument> = [
    { title: 'Title', dataIndex: 'title', ellipsis: true },
    { title: 'Type', dataIndex: 'type', width: 100, responsive: ['sm'] },
    { title: 'Category', dataIndex: 'category', width: 120, responsive: ['md'] },
    { title: 'Size', dataIndex: 'size', width: 90, responsive: ['md'] },
    { title: 'Summary', dataIndex: 'summary', ellipsis: true, responsive: ['lg'] },
    {
      title: 'Actions',
      width: 90,
      render: (_, d) => <RowActions onEdit={() => void open(d)} onDelete={() => list.confirmDelete(d, `Delete document ${d.title}?`)} />,
    },
  ];

  return (
    <div>
      <Space style={{ marginBottom: 12 }} wrap>
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/datasource')}>
          Datasources
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {ds?.name ?? datasourceId}
        </Typography.Title>
        {ds && (ds.enabled ? <Tag color="green">enabled</Tag> : <Tag>disabled</Tag>)}
      </Space>
      <Card size="small">
        <ListToolbar placeholder="Search documents" onSearch={list.searchFor} onRefresh={() => void list.load()}>
          <Upload
            accept=".txt,.md,.markdown,text/plain,text/markdown"
            multiple
            showUploadList={false}
            beforeUpload={(file) => {
              void upload(file);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />}>Upload .txt / .md</Button>
          </Upload>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()}>
            Add document
          </Button>
        </ListToolbar>
        <Table<CocoDocument> {...list.table} columns={columns} />
      </Card>
      <EditDrawer title={editing?.id ? 'Edit document' : 'New document'} open={!!editing} onClose={() => setEditing(null)} width={720} onSave={() => void save()} error={serverError}>
        <Form form={form} layout="vertical">
          <Form.Item name="title" label="Title" rules={[{ required: true, whitespace: true }]}>
            <Input />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={8}>
              <Form.Item name="type" label="Type">
                <Input placeholder="markdown, text, PDF…" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="category" label="Category">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="size" label="Size (bytes)" tooltip="0: computed from the content">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="url" label="URL">
            <Input />
          </Form.Item>
          <Form.Item name="tags" label="Tags">
            <Select mode="tags" tokenSeparators={[',']} />
          </Form.Item>
          <Form.Item name="summary" label="Summary">
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
          <Form.Item name="content" label="Content">
            <Input.TextArea autoSize={{ minRows: 6, maxRows: 20 }} />
          </Form.Item>
        </Form>
      </EditDrawer>
    </div>
  );
}
