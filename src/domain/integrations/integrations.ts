// Integrations (web widgets): admin-managed records, each with a service user (role `widget`) and a
// widget token it owns. Creating one makes both; changing one applies its new limits to the token at once
// on every instance; deleting one deletes both.
import type { Models } from '../../models';
import type { Credentials } from '../auth/credentials';
import { generateToken, storeToken } from '../auth/tokens';
import { NotFound } from '../errors';
import { RecordStore, Stored } from '../record';
import { INTEGRATION_SEARCH_FIELDS, widgetView } from './records';
import type { IntegrationInput } from './schema';

const serviceUserId = (integrationId: string) => `widget-${integrationId}`;

export class Integrations {
  readonly store: RecordStore<IntegrationInput>;

  constructor(
    private readonly models: Models,
    credentials: Credentials,
  ) {
    this.store = new RecordStore<IntegrationInput>({
      what: 'integration',
      model: models.Integration,
      search: INTEGRATION_SEARCH_FIELDS,
      // The token and its owner are the server's, never the input's.
      toStored: (input, existing) => ({ ...input, token: existing?.token ?? '', token_id: existing?.token_id ?? '', user_id: existing?.user_id ?? '' }),
      view: (doc) => doc,
      afterChange: async (before, after) => {
        if (!before && after) return this.issueToken(after as Stored);
        if (before?.token_id) await credentials.announce({ credentialId: before.token_id as string });
      },
      afterDelete: async (existing) => {
        await models.ApiToken.deleteMany({ integration_id: existing._id });
        await models.User.deleteOne({ _id: serviceUserId(existing._id) });
      },
    });
  }

  /** The service user and widget token of a new integration. */
  private async issueToken(integration: Stored): Promise<void> {
    const user = { id: serviceUserId(integration._id), username: `widget.${integration._id}`, roles: ['widget'] };
    await this.models.User.create({ _id: user.id, username: user.username, name: `Widget: ${String(integration.name)}`, roles: user.roles });
    const token = generateToken();
    const doc = await storeToken(this.models, token, user, `widget ${String(integration.name)}`, { roles: ['widget'], integrationId: integration._id });
    await this.models.Integration.updateOne({ _id: integration._id }, { $set: { token, token_id: doc._id, user_id: user.id } });
  }

  /** The public widget configuration of an enabled integration. */
  async widget(id: string, endpoint: string): Promise<Record<string, unknown>> {
    const doc = await this.store.find(id);
    if (!doc || doc.enabled === false) throw new NotFound('integration', id);
    return widgetView(doc, endpoint);
  }
}
