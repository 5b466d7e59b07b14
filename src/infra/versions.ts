// Redis keys of the versions that invalidate cached records (see versioned-cache.ts). The domain bumps
// one on every change of its record; every process re-reads the record when its version moved.
export function versionKeys(prefix: string) {
  return {
    /** Bumped on every change to an assistant; API instances and workers re-read it when it moves. */
    assistant: (assistantId: string) => `${prefix}asstver:${assistantId}`,
    /** Bumped on every change to a model provider; workers re-read it when it moves. */
    provider: (providerId: string) => `${prefix}provver:${providerId}`,
    /** Bumped when a session's status changes or it is deleted; API instances re-read it when it moves. */
    session: (sessionId: string) => `${prefix}sessver:${sessionId}`,
  };
}

export type VersionKeys = ReturnType<typeof versionKeys>;
