// Sign-in: username and password (POST /account/login) by default, or an API token. The tab used last is
// opened next time. Refusals show the server's reason (a wrong password, too many attempts).
import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { KeyOutlined, LockOutlined, UserOutlined } from '@ant-design/icons';
import { api, errorText, setToken } from '../api';
import { login } from '../account';

type Method = 'password' | 'token';
const METHOD_KEY = 'coco.signin.method';

/** Runs a sign-in attempt with a busy flag and the refusal's text. */
function useAttempt() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (attempt: () => Promise<void>, explain: (reason: string) => string = (r) => r) => {
    setBusy(true);
    setError('');
    try {
      await attempt();
    } catch (err) {
      setError(explain(errorText(err)));
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function PasswordForm() {
  const { error, busy, run } = useAttempt();
  const submit = ({ username, password }: { username: string; password: string }) =>
    run(async () => {
      localStorage.setItem(METHOD_KEY, 'password');
      await login(username.trim(), password);
    });
  return (
    <Form layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item name="username" label="Username" rules={[{ required: true, whitespace: true, message: 'Enter your username' }]}>
        <Input prefix={<UserOutlined />} placeholder="Username" autoFocus autoComplete="username" data-testid="username-input" />
      </Form.Item>
      <Form.Item name="password" label="Password" rules={[{ required: true, message: 'Enter your password' }]}>
        <Input.Password prefix={<LockOutlined />} placeholder="Password" autoComplete="current-password" data-testid="password-input" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />}
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="password-sign-in">
        Sign in
      </Button>
    </Form>
  );
}

function TokenForm() {
  const { error, busy, run } = useAttempt();
  const submit = ({ token }: { token: string }) =>
    run(
      async () => {
        const value = token.trim();
        await api.get('/account/profile', { headers: { 'X-API-TOKEN': value }, noSignOut: true });
        localStorage.setItem(METHOD_KEY, 'token');
        setToken(value);
      },
      (reason) => (reason === 'invalid login' ? 'This token is not valid (401 invalid login).' : reason),
    );
  return (
    <Form layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item name="token" label="API token" rules={[{ required: true, whitespace: true, message: 'Enter your API token' }]} extra="The admin token printed by the first `npm start`, or one from POST /auth/request_access_token.">
        <Input.Password prefix={<KeyOutlined />} placeholder="API token" autoFocus data-testid="token-input" autoComplete="off" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />}
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in">
        Sign in
      </Button>
    </Form>
  );
}

export function SignIn() {
  const [method, setMethod] = useState<Method>(localStorage.getItem(METHOD_KEY) === 'token' ? 'token' : 'password');
  return (
    <div className="signin">
      <Card>
        <div style={{ textAlign: 'center', marginBottom: 8 }}>
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <Typography.Title level={3} style={{ margin: '8px 0 0' }}>
            Coco admin
          </Typography.Title>
        </div>
        <Tabs
          centered
          activeKey={method}
          onChange={(k) => setMethod(k as Method)}
          destroyOnHidden
          items={[
            { key: 'password', label: <span data-testid="password-tab">Password</span>, children: <PasswordForm /> },
            { key: 'token', label: <span data-testid="token-tab">API token</span>, children: <TokenForm /> },
          ]}
        />
      </Card>
    </div>
  );
}
