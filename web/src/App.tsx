// The shell: token sign-in, a side menu (a drawer-like collapsed menu on phones), the pages.
import { useEffect, useState } from 'react';
import { App as AntApp, Button, ConfigProvider, Grid, Layout, Menu, Typography } from 'antd';
import { ApiOutlined, CloudServerOutlined, DatabaseOutlined, LogoutOutlined, MenuOutlined, MessageOutlined, RobotOutlined } from '@ant-design/icons';
import { HashRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { getToken, onTokenChange, setToken } from './api';
import { SignIn } from './pages/SignIn';
import { AssistantList } from './pages/AssistantList';
import { AssistantEdit } from './pages/AssistantEdit';
import { Providers } from './pages/Providers';
import { Datasources } from './pages/Datasources';
import { McpServers } from './pages/McpServers';
import { Playground } from './pages/Playground';

const { Header, Sider, Content } = Layout;

const MENU = [
  { key: '/ai-assistant/list', icon: <RobotOutlined />, label: 'AI Assistants' },
  { key: '/playground', icon: <MessageOutlined />, label: 'Chat playground' },
  { key: '/model-provider', icon: <CloudServerOutlined />, label: 'Model providers' },
  { key: '/datasource', icon: <DatabaseOutlined />, label: 'Datasources' },
  { key: '/mcp-server', icon: <ApiOutlined />, label: 'MCP servers' },
];

function Shell() {
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const mobile = screens.md === false;
  const [collapsed, setCollapsed] = useState(true);
  const selected = MENU.find((m) => location.pathname.startsWith(m.key.replace(/\/list$/, '')))?.key ?? '/ai-assistant/list';

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider
        breakpoint="md"
        collapsedWidth={mobile ? 0 : 64}
        collapsed={mobile ? collapsed : false}
        trigger={null}
        width={210}
        theme="light"
        style={mobile ? { position: 'fixed', zIndex: 20, height: '100vh', boxShadow: collapsed ? undefined : '2px 0 8px rgba(0,0,0,.15)' } : undefined}
        className={mobile ? undefined : 'desktop-sider'}
      >
        <div className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>Coco admin</span>
        </div>
        <Menu
          mode="inline"
          selectedKeys={[selected]}
          items={MENU}
          onClick={(e) => {
            navigate(e.key);
            if (mobile) setCollapsed(true);
          }}
        />
      </Sider>
      {mobile && !collapsed && <div className="backdrop" onClick={() => setCollapsed(true)} />}
      <Layout>
        <Header className="app-header">
          {mobile && <Button type="text" aria-label="menu" icon={<MenuOutlined />} onClick={() => setCollapsed(!collapsed)} />}
          <Typography.Text strong className="header-title">
            {MENU.find((m) => m.key === selected)?.label}
          </Typography.Text>
          <Button icon={<LogoutOutlined />} onClick={() => setToken('')} data-testid="sign-out">
            {mobile ? '' : 'Sign out'}
          </Button>
        </Header>
        <Content className="app-content">
          <Routes>
            <Route path="/" element={<Navigate to="/ai-assistant/list" replace />} />
            <Route path="/ai-assistant/list" element={<AssistantList />} />
            <Route path="/ai-assistant/new" element={<AssistantEdit />} />
            <Route path="/ai-assistant/edit/:id" element={<AssistantEdit />} />
            <Route path="/playground" element={<Playground />} />
            <Route path="/model-provider" element={<Providers />} />
            <Route path="/datasource" element={<Datasources />} />
            <Route path="/datasource/:id" element={<Datasources />} />
            <Route path="/mcp-server" element={<McpServers />} />
            <Route path="*" element={<Navigate to="/ai-assistant/list" replace />} />
          </Routes>
        </Content>
      </Layout>
    </Layout>
  );
}

/** People who ask their system for less motion get no animations (dialogs, toasts and menus appear at once). */
const reducedMotion = typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;

export function App() {
  const [token, setTokenState] = useState(getToken());
  useEffect(() => onTokenChange(setTokenState), []);
  return (
    <ConfigProvider theme={{ token: { colorPrimary: '#1677ff', borderRadius: 6, motion: !reducedMotion } }}>
      <AntApp>
        <HashRouter>{token ? <Shell /> : <SignIn />}</HashRouter>
      </AntApp>
    </ConfigProvider>
  );
}
