// Small shared pieces: assistant icons, JSON text helpers.
import { BulbOutlined, CodeOutlined, CustomerServiceOutlined, ExperimentOutlined, ReadOutlined, RobotOutlined, SearchOutlined, SmileOutlined } from '@ant-design/icons';
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
