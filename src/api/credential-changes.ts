// Every API instance hears when a credential is taken away (credentials.ts announces it on Redis): it
// forgets what it cached and closes that credential's sockets, so the change holds everywhere at once.
import type { RedisHub } from '../bus/hub';
import { Credentials } from '../domain/auth/credentials';
import type { Redis } from '../infra/redis';
import type { WebSockets } from './ws/websocket';

export async function followCredentialChanges(hub: RedisHub, redis: Redis, credentials: Credentials, sockets: WebSockets): Promise<() => Promise<void>> {
  const apply = (message: string) => {
    const change = Credentials.parseChange(message);
    credentials.forget(change);
    void sockets.revalidate(change);
  };
  const stop = await hub.listen(credentials.channel, apply);
  // Notices sent while Redis was away are lost: after a reconnect nothing cached is trusted.
  const reconnected = () => apply('{"all":true}');
  redis.on('ready', reconnected);
  return async () => {
    redis.off('ready', reconnected);
    await stop();
  };
}
