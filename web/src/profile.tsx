// After sign-in: loads GET /account/profile once and gives it (with its roles) to the pages. A 401 signs
// out (the API client does it); any other failure offers Retry and Sign out.
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Result, Spin } from 'antd';
import { errorText } from './api';
import { loadProfile, Profile, signOut } from './account';

const ProfileContext = createContext<Profile | null>(null);

/** The signed-in user's profile (inside ProfileGate, so always loaded). */
export function useProfile(): Profile {
  const p = useContext(ProfileContext);
  if (!p) throw new Error('useProfile outside ProfileGate');
  return p;
}

export function ProfileGate({ children }: { children: ReactNode }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState('');

  const load = useCallback(async () => {
    setError('');
    try {
      setProfile(await loadProfile());
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  if (profile) return <ProfileContext.Provider value={profile}>{children}</ProfileContext.Provider>;
  if (error) {
    return (
      <Result
        status="warning"
        title="Could not load your profile"
        subTitle={error}
        extra={[
          <Button key="retry" type="primary" onClick={() => void load()}>
            Retry
          </Button>,
          <Button key="out" onClick={() => void signOut()}>
            Sign out
          </Button>,
        ]}
      />
    );
  }
  return (
    <div className="signin">
      <Spin size="large" />
    </div>
  );
}
