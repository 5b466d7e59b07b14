// The signed-in layout: a side menu (a drawer-like collapsed menu on phones) with what the user's roles
// allow, the header (who is signed in, Sign out) and the pages. Administrators get every page; other
// users the chat playground, the Sessions page with their own sessions and the Search page, and a notice
// on an editor's address.
import { useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Grid, Layout, Menu, Typography } from 'antd';
import { ApiOutlined, CloudServerOutlined, DatabaseOutlined, HistoryOutlined, LogoutOutlined, MenuOutlined, MessageOutlined, RobotOutlined, SearchOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { canListSessions, canSearch, isAdmin, signOut } from './account';
import { useProfile } from './profile';
import { NeedsAdmin } from './NeedsAdmin';
import { ChangePassword } from './ChangePassword';
import { AssistantList } from './pages/AssistantList';
import { AssistantEdit } from './pages/AssistantEdit';
import { Providers } from './pages/Providers';
import { Datasources } from './pages/Datasources';
import { McpServers } from './pages/McpServers';
import { Playground } from './pages/Playground';
import { Search } from './pages/Search';
import { Sessions } from './pages/Sessions';
import { Users } from './pages/Users';

const { Header, Sider, Content } = Layout;

const MENU = [
  { key: '/ai-assistant/list', icon: <RobotOutlined />, label: 'AI Assistants', admin: true },
  { key: '/playground', icon: <MessageOutlined />, label: 'Chat playground', admin: false },
  { key: '/sessions', icon: <HistoryOutlined />, label: 'Sessions', admin: false, permission: 'chat:list' as const },
  { key: '/search', icon: <SearchOutlined />, label: 'Search', admin: false, permission: 'search' as const },
  { key: '/model-provider', icon: <CloudServerOutlined />, label: 'Model providers', admin: true },
  { key: '/datasource', icon: <DatabaseOutlined />, label: 'Datasources', admin: true },
  { key: '/mcp-server', icon: <ApiOutlined />, label: 'MCP servers', admin: true },
  { key: '/users', icon: <TeamOutlined />, label: 'Users', admin: true },
];

export function Shell() {
  const location = useLocation();
  const navigate = useNavigate();
  const profile = useProfile();
  const admin = isAdmin(profile);
  const screens = Grid.useBreakpoint();
  const mobile = screens.md === false;
  const [collapsed, setCollapsed] = useState(true);
  const [changingPassword, setChangingPassword] = useState(false);
  const searcher = canSearch(profile);
  const lister = canListSessions(profile);
  const granted = { search: searcher, 'chat:list': lister };
  const menu = MENU.filter((m) => (admin || !m.admin) && (!m.permission || granted[m.permission])).map(({ admin: _, permission: __, ...item }) => item);
  const home = admin ? '/ai-assistant/list' : '/playground';
  // The page's entry (for the title); on an editor's address a non-admin's menu highlights nothing.
  const current = MENU.find((m) => location.pathname.startsWith(m.key.replace(/\/list$/, ''))) ?? MENU.find((m) => m.key === home)!;
  /** An editor: the page for administrators, the notice for everyone else. */
  const adminOnly = (page: ReactNode) => (admin ? page : <NeedsAdmin />);

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
          selectedKeys={[current.key]}
          items={menu}
          data-testid="nav"
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
            {current.label}
          </Typography.Text>
          <Button type="text" icon={<UserOutlined />} onClick={() => setChangingPassword(true)} title="Change password" data-testid="current-user">
            {mobile ? '' : profile.username}
          </Button>
          {/* The next sign-in (maybe someone else's) starts at its home page, not at this one. */}
          <Button icon={<LogoutOutlined />} onClick={() => void signOut().then(() => window.location.replace('#/'))} data-testid="sign-out">
            {mobile ? '' : 'Sign out'}
          </Button>
        </Header>
        <Content className="app-content">
          <Routes>
            <Route path="/" element={<Navigate to={home} replace />} />
            <Route path="/ai-assistant/list" element={adminOnly(<AssistantList />)} />
            <Route path="/ai-assistant/new" element={adminOnly(<AssistantEdit />)} />
            <Route path="/ai-assistant/edit/:id" element={adminOnly(<AssistantEdit />)} />
            <Route path="/playground" element={<Playground />} />
            <Route path="/search" element={searcher ? <Search /> : <Navigate to={home} replace />} />
            <Route path="/sessions" element={lister ? <Sessions /> : <Navigate to={home} replace />} />
            <Route path="/model-provider" element={adminOnly(<Providers />)} />
            <Route path="/datasource" element={adminOnly(<Datasources />)} />
            <Route path="/datasource/:id" element={adminOnly(<Datasources />)} />
            <Route path="/mcp-server" element={adminOnly(<McpServers />)} />
            <Route path="/users" element={adminOnly(<Users />)} />
            <Route path="*" element={<Navigate to={home} replace />} />
          </Routes>
        </Content>
      </Layout>
      <ChangePassword open={changingPassword} onClose={() => setChangingPassword(false)} />
    </Layout>
  );
}
