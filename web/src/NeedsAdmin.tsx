// What a signed-in user who is not an administrator sees on an editor's address.
import { Button, Result } from 'antd';
import { useNavigate } from 'react-router-dom';
import { useProfile } from './profile';

export function NeedsAdmin() {
  const navigate = useNavigate();
  const profile = useProfile();
  return (
    <div data-testid="needs-admin">
      <Result
        status="403"
        title="This page needs an administrator"
        subTitle={`You are signed in as ${profile.username}, who can chat but not edit assistants, providers, datasources, MCP servers or users.`}
        extra={
          <Button type="primary" onClick={() => navigate('/playground')}>
            Open the chat playground
          </Button>
        }
      />
    </div>
  );
}
