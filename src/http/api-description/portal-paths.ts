/** The portal's pages (src/http/routes/portal.ts): HTML for browsers, outside the versioned API. */
type Json = Record<string, unknown>;

const PORTAL = 'OpenDIP addition: the participant portal, HTML pages for a browser signed in with a session cookie';
const ROOT = [{ url: '/', description: 'outside the versioned API' }];
const TAGS = ['OpenDIP Portal'];
const page = (description: string): Json => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const seeOther = { '303': { description: 'Where the browser goes next (Location)' } };
const form = (fields: Record<string, string>, required: string[]): Json => ({
  required: true,
  content: {
    'application/x-www-form-urlencoded': {
      schema: {
        type: 'object',
        required,
        properties: Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, { type: 'string', description: d }])),
      },
    },
  },
});
const item = (summary: string, operationId: string, method: 'get' | 'post', more: Json = {}): Json => ({
  'x-opendip': PORTAL,
  servers: ROOT,
  [method]: { summary, operationId, tags: TAGS, security: [], ...more },
});

export const PORTAL_PATHS: Record<string, Json> = {
  '/portal': item('The portal: to the messages when signed in, else to sign-in', 'portalHome', 'get', {
    responses: seeOther,
  }),
  '/portal/sign-in': {
    ...item('The sign-in form', 'portalSignInForm', 'get', {
      parameters: [
        { name: 'next', in: 'query', schema: { type: 'string' }, description: 'a portal path to open after' },
      ],
      responses: { '200': page('The sign-in form') },
    }),
    ...(item('Sign in with a DIP id and an API key', 'portalSignIn', 'post', {
      requestBody: form(
        { participant: 'DIP id', apiKey: 'one of its API keys', token: "the form's token", next: 'where to go after' },
        ['participant', 'apiKey', 'token'],
      ),
      responses: { ...seeOther, '401': page('The id and key do not match'), '403': page('The form expired') },
    }) as Json),
  },
  '/portal/sign-out': item('End the session', 'portalSignOut', 'post', {
    requestBody: form({ csrf: "the session's form token" }, ['csrf']),
    responses: { ...seeOther, '403': page('The form token is wrong') },
  }),
  '/portal/messages': item('Search the messages the participant sent or received', 'portalMessages', 'get', {
    responses: { '200': page('Matching messages, newest first, 50 a page'), '303': seeOther['303'] },
  }),
  '/portal/messages/{transactionID}': item('A message, its routing and journal', 'portalMessage', 'get', {
    parameters: [{ name: 'transactionID', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { '200': page('The message page'), '303': seeOther['303'], '404': page('Not found or not yours') },
  }),
  '/portal/webhooks': {
    ...item("The participant's own webhooks, per channel and for status messages", 'portalWebhooks', 'get', {
      responses: { '200': page('The webhooks and the form to set one'), '303': seeOther['303'] },
    }),
    ...(item('Set its channel-wide webhook on a channel (or STATUS)', 'portalSaveWebhook', 'post', {
      requestBody: form(
        {
          csrf: "the session's form token",
          channel: 'IF-xxx or STATUS',
          callbackURL: 'https:// (or http://) URL',
          maxMessageCount: 'messages a call, 1 to 50,000 (the default)',
          maxPayloadSize: 'KB a call',
        },
        ['csrf', 'channel', 'callbackURL'],
      ),
      responses: { ...seeOther, '400': page('What is wrong with the form'), '403': page('The form token is wrong') },
    }) as Json),
  },
  '/portal/webhooks/remove': item('Remove its channel-wide webhook on a channel', 'portalRemoveWebhook', 'post', {
    requestBody: form({ csrf: "the session's form token", channel: 'IF-xxx or STATUS' }, ['csrf', 'channel']),
    responses: { ...seeOther, '403': page('The form token is wrong') },
  }),
};
