// The signed-in user's own password: the current one and the new one twice (PUT /account/password).
import { useState } from 'react';
import { Alert, App, Form, Input, Modal } from 'antd';
import { errorText } from './api';
import { changePassword } from './account';

interface Fields {
  old_password: string;
  new_password: string;
  repeat: string;
}

export function ChangePassword({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<Fields>();
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);

  const save = async () => {
    let v: Fields;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setError('');
    try {
      await changePassword(v.old_password, v.new_password);
      message.success('Password changed');
      form.resetFields();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const close = () => {
    form.resetFields();
    setError('');
    onClose();
  };

  return (
    <Modal title="Change password" open={open} onOk={() => void save()} onCancel={close} okText="Change" confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" requiredMark={false} preserve={false}>
        <Form.Item name="old_password" label="Current password" rules={[{ required: true, message: 'Enter your current password' }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="new_password" label="New password" rules={[{ required: true, message: 'Enter a new password' }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="repeat"
          label="New password again"
          dependencies={['new_password']}
          rules={[
            { required: true, message: 'Repeat the new password' },
            ({ getFieldValue }) => ({
              validator: async (_, value) => {
                if (value && value !== getFieldValue('new_password')) throw new Error('The two new passwords differ');
              },
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon message={error} data-testid="password-error" />}
    </Modal>
  );
}
