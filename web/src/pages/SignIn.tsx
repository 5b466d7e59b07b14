import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { api, errorText, setToken } from '../api';

export function SignIn() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async ({ token }: { token: string }) => {
    setBusy(true);
    setError('');
    const value = token.trim();
    try {
      await api.get('/account/profile', { headers: { 'X-API-TOKEN': value }, noSignOut: true });
      setToken(value);
    } catch (err) {
      setError(errorText(err) === 'invalid login' ? 'This token is not valid (401 invalid login).' : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <Card>
        <div style={{ textAlign: 'center', marginBottom: 16 }}>
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <Typography.Title level={3} style={{ margin: '8px 0 0' }}>
            Coco admin
          </Typography.Title>
          <Typography.Text type="secondary">Sign in with an API token</Typography.Text>
        </div>
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="token" label="API token" rules={[{ required: true, whitespace: true, message: 'Enter your API token' }]} extra="The admin token printed by the first `npm start`, or one from POST /auth/request_access_token.">
            <Input.Password prefix={<KeyOutlined />} placeholder="API token" autoFocus data-testid="token-input" autoComplete="off" />
          </Form.Item>
          {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in">
            Sign in
          </Button>
        </Form>
      </Card>
    </div>
  );
}
