// The app: sign-in while there is no token; with one, the user's profile is loaded (its roles decide the
// pages) before the shell shows.
import { useEffect, useState } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import { HashRouter } from 'react-router-dom';
import { getToken, onTokenChange } from './api';
import { ProfileGate } from './profile';
import { SignIn } from './pages/SignIn';
import { Shell } from './Shell';

/** People who ask their system for less motion get no animations (dialogs, toasts and menus appear at once). */
const reducedMotion = typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;

export function App() {
  const [token, setTokenState] = useState(getToken());
  useEffect(() => onTokenChange(setTokenState), []);
  return (
    <ConfigProvider theme={{ token: { colorPrimary: '#1677ff', borderRadius: 6, motion: !reducedMotion } }}>
      <AntApp>
        <HashRouter>
          {token ? (
            <ProfileGate key={token}>
              <Shell />
            </ProfileGate>
          ) : (
            <SignIn />
          )}
        </HashRouter>
      </AntApp>
    </ConfigProvider>
  );
}
