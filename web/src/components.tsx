// Small shared pieces: assistant icons, JSON text helpers, the list pages' toolbar and row actions.
import { BulbOutlined, CodeOutlined, CustomerServiceOutlined, DeleteOutlined, EditOutlined, ExperimentOutlined, ReadOutlined, ReloadOutlined, RobotOutlined, SearchOutlined, SmileOutlined } from '@ant-design/icons';
import { Button, Input, Space, Tooltip } from 'antd';
import type { ReactNode } from 'react';

export const ICONS: Record<string, ReactNode> = {
  font_coco: <SmileOutlined />,
  'font_Robot-outlined': <RobotOutlined />,
  font_robot: <RobotOutlined />,
  font_Brain02: <BulbOutlined />,
  font_search: <SearchOutlined />,
  font_code: <CodeOutlined />,
  font_book: <ReadOutlined />,
  font_lab: <ExperimentOutlined />,
  font_support: <CustomerServiceOutlined />,
};

export function AssistantIcon({ icon }: { icon?: string }) {
  if (icon && /^(https?:|data:|\/)/.test(icon)) {
    return (
      <span className="assistant-icon">
        <img src={icon} alt="" />
      </span>
    );
  }
  return <span className="assistant-icon">{(icon && ICONS[icon]) ?? <RobotOutlined />}</span>;
}

/** Parses JSON text typed in a form; empty → null. Throws a readable message when it does not parse. */
export function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> | null {
  const t = (text ?? '').trim();
  if (!t) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be a JSON object, e.g. {"term":{"category":"docs"}}`);
  return v as Record<string, unknown>;
}

export const lines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The server's check for URLs: anything `new URL` reads with an http or https scheme (localhost too). */
export const httpUrlRule = (message: string, allowEmpty = true) => ({
  validator: async (_: unknown, value: string | undefined) => {
    const v = (value ?? '').trim();
    if (!v && allowEmpty) return;
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(message);
  },
});

/** A list page's toolbar: search and Refresh on the left, the page's own actions (`children`) on the right. */
export function ListToolbar({ placeholder, onSearch, onRefresh, children }: { placeholder: string; onSearch: (query: string) => void; onRefresh: () => void; children?: ReactNode }) {
  return (
    <div className="toolbar">
      <Input.Search className="grow" placeholder={placeholder} allowClear onSearch={(v) => onSearch(v.trim())} />
      <Button icon={<ReloadOutlined />} onClick={onRefresh}>
        Refresh
      </Button>
      <div style={{ flex: 1 }} />
      {children}
    </div>
  );
}

/** A table row's Edit and Delete buttons (after the row's own, `children`); no Delete where `onDelete` is absent (built-ins). */
export function RowActions({ onEdit, onDelete, children }: { onEdit: () => void; onDelete?: () => void; children?: ReactNode }) {
  return (
    <Space size={2}>
      {children}
      <Tooltip title="Edit">
        <Button type="text" size="small" icon={<EditOutlined />} aria-label="Edit" onClick={onEdit} />
      </Tooltip>
      {onDelete && (
        <Tooltip title="Delete">
          <Button type="text" size="small" danger icon={<DeleteOutlined />} aria-label="Delete" onClick={onDelete} />
        </Tooltip>
      )}
    </Space>
  );
}
