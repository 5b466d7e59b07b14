// What the resource list pages share: a paged, searchable list of one resource, its Enabled switch and
// confirmed delete, and the drawer that edits one item.
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, App, Button, Drawer } from 'antd';
import { api, errorText, GetEnvelope, search } from './api';

interface Item {
  id?: string;
  enabled?: boolean;
}

/**
 * The page of `resource` (e.g. '/mcp_server') matching the search box, reloaded when the query, the page
 * or `filter` changes. Errors show as a message.
 */
export function useResourceList<T extends Item>(resource: string, filter?: string) {
  const { message, modal } = App.useApp();
  const [query, setQuery] = useState('');
  const [page, setPage] = useState({ current: 1, size: 10 });
  const [data, setData] = useState<{ total: number; items: T[] }>({ total: 0, items: [] });
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await search<T>(resource, { query, filter, from: (page.current - 1) * page.size, size: page.size }));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [resource, filter, query, page, message]);
  useEffect(() => void load(), [load]);

  /** A new search starts at the first page. */
  const searchFor = (q: string) => {
    setQuery(q);
    setPage((p) => ({ ...p, current: 1 }));
  };

  /** Saves the switch at once: the stored object (as `stored` shapes it for a PUT) with `enabled` changed. */
  const setEnabled = async (item: T, enabled: boolean, stored: (source: T) => object = (s) => s) => {
    try {
      const { _source } = await api.get<GetEnvelope<T>>(`${resource}/${item.id}`);
      await api.put(`${resource}/${item.id}`, { ...stored(_source), enabled });
      setData((d) => ({ ...d, items: d.items.map((x) => (x.id === item.id ? { ...x, enabled } : x)) }));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const confirmDelete = (item: T, title: string, content?: string) =>
    modal.confirm({
      title,
      content,
      okText: 'Delete',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api.del(`${resource}/${item.id}`);
          await load();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });

  /** The list's Table props (all but the columns). */
  const table = {
    rowKey: 'id',
    size: 'middle' as const,
    loading,
    dataSource: data.items,
    scroll: { x: 'max-content' as const },
    pagination: { current: page.current, pageSize: page.size, total: data.total, onChange: (current: number, size: number) => setPage({ current, size }) },
  };
  return { load, searchFor, setEnabled, confirmDelete, table };
}

/**
 * Saving the drawer's item: PUT when it has an id, else POST; then the list reloads. The server's refusal
 * is kept in `error` for the drawer to show; `save` tells whether it worked (the caller then closes).
 */
export function useItemSaver(resource: string, reload: () => Promise<void>) {
  const { message } = App.useApp();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState('');
  const save = async (id: string | undefined, body: object, label?: string): Promise<boolean> => {
    setSaving(true);
    setError('');
    try {
      if (id) await api.put(`${resource}/${id}`, body);
      else await api.post(`${resource}/`, body);
      if (label) message.success(`Saved ${label}`);
      await reload();
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setSaving(false);
    }
  };
  return { saving, error, setError, save };
}

/** The side drawer that edits one item: Save at the top, the server's refusal above the form. */
export function EditDrawer(props: { title: string; open: boolean; onClose: () => void; width: number; onSave: () => void; saving?: boolean; error: string; children: ReactNode }) {
  return (
    <Drawer
      title={props.title}
      open={props.open}
      onClose={props.onClose}
      width={Math.min(props.width, window.innerWidth)}
      destroyOnHidden
      extra={
        <Button type="primary" loading={props.saving} onClick={props.onSave}>
          Save
        </Button>
      }
    >
      {props.error && <Alert type="error" showIcon message={props.error} style={{ marginBottom: 16 }} />}
      {props.children}
    </Drawer>
  );
}
