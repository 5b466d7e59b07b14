// Provider + model pickers and model settings for one ModelConfig inside a form (coco-api.md §5.1).
import { Col, Form, InputNumber, Row, Select, Switch } from 'antd';
import type { FormInstance } from 'antd';
import type { ModelProvider } from '../types';

type NamePath = Array<string | number>;

export function ModelPicker({ base, providers, form, optional, settings = true }: { base: NamePath; providers: ModelProvider[]; form: FormInstance; optional?: string; settings?: boolean }) {
  const providerId = Form.useWatch([...base, 'provider_id'], form) as string | undefined;
  const provider = providers.find((p) => p.id === providerId);
  const models = provider?.models ?? [];
  const id = base.join('_');
  return (
    <>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item name={[...base, 'provider_id']} label="Provider" extra={optional}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder="Choose a model provider"
              data-testid={`${id}-provider`}
              options={providers.map((p) => ({ value: p.id, label: `${p.name}${p.enabled ? '' : ' (disabled)'}` }))}
              onChange={() => form.setFieldValue([...base, 'name'], undefined)}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[...base, 'name']} label="Model">
            <Select
              allowClear
              showSearch
              placeholder={provider ? 'Choose a model' : 'Choose a provider first'}
              disabled={!provider}
              data-testid={`${id}-model`}
              options={models.map((m) => ({ value: m.name, label: m.name + (m.support_reasoning ? ' (reasoning)' : '') }))}
            />
          </Form.Item>
        </Col>
      </Row>
      {settings && (
        <Row gutter={12}>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'temperature']} label="Temperature" tooltip="0 = provider or step default">
              <InputNumber min={0} max={2} step={0.1} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'top_p']} label="Top P">
              <InputNumber min={0} max={1} step={0.05} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'max_tokens']} label="Max tokens">
              <InputNumber min={0} step={256} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'max_length']} label="Max length">
              <InputNumber min={0} step={256} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'presence_penalty']} label="Presence penalty">
              <InputNumber min={-2} max={2} step={0.1} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'frequency_penalty']} label="Frequency penalty">
              <InputNumber min={-2} max={2} step={0.1} placeholder="default" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name={[...base, 'settings', 'reasoning']} label="Reasoning" valuePropName="checked" tooltip="Stream the model's reasoning as think steps">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
      )}
    </>
  );
}
