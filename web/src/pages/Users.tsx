// Users (administrators only): a searchable, paged list with a Disabled switch that saves at once; add and
// edit in a drawer (roles admin / user; a password is needed to create, and left empty keeps it on edit);
// delete after a confirm. Your own account cannot be disabled or deleted here.
import { useState } from 'react';
import { App, Button, Col, Form, Input, Row, Select, Space, Switch, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { api, errorText, GetEnvelope } from '../api';
import { ListToolbar, RowActions } from '../components';
import { EditDrawer, useItemSaver, useResourceList } from '../resource-list';
import { useProfile } from '../profile';
import type { Role, UserAccount } from '../types';

type UserForm = Required<Pick<UserAccount, 'username' | 'name' | 'email' | 'roles' | 'disabled'>> & { password?: string };

const blank = (): UserForm => ({ username: '', name: '', email: '', roles: ['user'], disabled: false, password: '' });
const ROLES: Array<{ value: Role; label: Role }> = [
  { value: 'admin', label: 'admin' },
  { value: 'user', label: 'user' },
];

/** The fields a PUT takes (it replaces the user; no password keeps the stored one). */
const editable = (u: UserAccount): UserForm => ({ username: u.username, name: u.name ?? '', email: u.email ?? '', roles: u.roles ?? [], disabled: !!u.disabled });

export function Users() {
  const { message } = App.useApp();
  const me = useProfile();
  const list = useResourceList<UserAccount>('/user');
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const saver = useItemSaver('/user', list.load);
  const [form] = Form.useForm<UserForm>();

  const open = async (u?: UserAccount) => {
    saver.setError('');
    form.resetFields();
    if (!u) {
      form.setFieldsValue(blank());
      setEditing({});
      return;
    }
    try {
      const { _source } = await api.get<GetEnvelope<UserAccount>>(`/user/${u.id}`);
      form.setFieldsValue({ ...editable(_source), password: '' });
      setEditing({ id: u.id });
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const save = async () => {
    let v: UserForm;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const { password, ...fields } = v;
    const body: UserForm = { ...fields, username: fields.username.trim(), name: (fields.name ?? '').trim(), email: (fields.email ?? '').trim(), disabled: !!fields.disabled };
    if (password) body.password = password;
    if (await saver.save(editing?.id, body, body.username)) setEditing(null);
  };

  const setDisabled = async (u: UserAccount, disabled: boolean) => {
    try {
      const { _source } = await api.get<GetEnvelope<UserAccount>>(`/user/${u.id}`);
      await api.put(`/user/${u.id}`, { ...editable(_source), disabled });
      message.success(`${u.username} ${disabled ? 'disabled' : 'enabled'}`);
      await list.load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const isMe = (u: UserAccount) => u.id === me.id;
  const columns: ColumnsType<UserAccount> = [
    { title: 'Username', render: (_, u) => <Space>{u.username}{isMe(u) && <Tag color="blue">you</Tag>}</Space> },
    { title: 'Name', dataIndex: 'name', responsive: ['sm'] },
    { title: 'Email', dataIndex: 'email', ellipsis: true, responsive: ['md'] },
    { title: 'Roles', render: (_, u) => (u.roles ?? []).map((r) => <Tag key={r} color={r === 'admin' ? 'gold' : undefined}>{r}</Tag>) },
    {
      title: 'Disabled',
      width: 90,
      render: (_, u) => (
        <Tooltip title={isMe(u) ? 'You cannot disable your own account' : undefined}>
          <Switch size="small" checked={!!u.disabled} disabled={isMe(u)} onChange={(v) => void setDisabled(u, v)} aria-label="Disabled" />
        </Tooltip>
      ),
    },
    {
      title: 'Actions',
      width: 100,
      render: (_, u) => <RowActions onEdit={() => void open(u)} onDelete={isMe(u) ? undefined : () => list.confirmDelete(u, `Delete user ${u.username}?`, 'Their sessions and API tokens stop working.')} />,
    },
  ];

  return (
    <div>
      <ListToolbar placeholder="Search users" onSearch={list.searchFor} onRefresh={() => void list.load()}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void open()} data-testid="add-user">
          Add user
        </Button>
      </ListToolbar>
      <Table<UserAccount> {...list.table} columns={columns} />
      <EditDrawer title={editing?.id ? 'Edit user' : 'New user'} open={!!editing} onClose={() => setEditing(null)} width={560} onSave={() => void save()} saving={saver.saving} error={saver.error}>
        <Form form={form} layout="vertical">
          <Form.Item name="username" label="Username" rules={[{ required: true, whitespace: true, message: 'A username' }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="password"
            label="Password"
            rules={editing?.id ? [] : [{ required: true, message: 'A new user needs a password' }]}
            extra={editing?.id ? 'Leave empty to keep the current password.' : undefined}
          >
            <Input.Password autoComplete="new-password" placeholder={editing?.id ? '(unchanged)' : ''} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item name="name" label="Name">
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="email" label="Email" rules={[{ type: 'email', message: 'An email address such as ana@example.com' }]}>
                <Input />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="roles" label="Roles" rules={[{ required: true, type: 'array', min: 1, message: 'At least one role' }]} extra="admin: every page and setting; user: the chat playground and their own sessions.">
            <Select mode="multiple" options={ROLES} />
          </Form.Item>
          <Form.Item name="disabled" label="Disabled" valuePropName="checked" extra="A disabled user cannot sign in.">
            <Switch disabled={editing?.id === me.id} />
          </Form.Item>
        </Form>
      </EditDrawer>
    </div>
  );
}
