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
  '/portal': item('The portal: to the dashboard when signed in, else to sign-in', 'portalHome', 'get', {
    responses: seeOther,
  }),
  '/portal/sign-in': {
    ...item('The sign-in form', 'portalSignInForm', 'get', {
      parameters: [
        { name: 'next', in: 'query', schema: { type: 'string' }, description: 'a portal path to open after' },
      ],
      responses: { '200': page('The sign-in form') },
    }),
    ...(item('Sign in as a portal user (username, password) or with a DIP id and API key', 'portalSignIn', 'post', {
      requestBody: form(
        {
          username: 'a portal user',
          password: 'its password',
          participant: 'DIP id (with apiKey, instead of a user)',
          apiKey: 'one of its API keys',
          token: "the form's token",
          next: 'where to go after',
        },
        ['token'],
      ),
      responses: { ...seeOther, '401': page('The credentials do not match'), '403': page('The form expired') },
    }) as Json),
  },
  '/portal/sign-in/certificate': item(
    'Sign in as the participant whose registered client certificate this TLS connection presented',
    'portalCertificateSignIn',
    'post',
    {
      requestBody: form({ token: "the form's token", next: 'where to go after' }, ['token']),
      responses: { ...seeOther, '401': page('No registered certificate presented'), '403': page('The form expired') },
    },
  ),
  '/portal/welcome': {
    ...item('A one-time sign-in link: the form where its user sets a password', 'portalWelcome', 'get', {
      parameters: [{ name: 'link', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { '200': page('The password form'), '404': page('The link expired, was used or never issued') },
    }),
    ...(item('Set the password, spend the link and sign in', 'portalSetPassword', 'post', {
      requestBody: form(
        {
          link: "the link's token",
          password: 'at least 12 characters',
          confirmation: 'the same again',
          token: "the form's token",
        },
        ['link', 'password', 'confirmation', 'token'],
      ),
      responses: {
        ...seeOther,
        '400': page('The password is too short or the two differ'),
        '403': page('The form expired'),
        '404': page('The link expired, was used or never issued'),
      },
    }) as Json),
  },
  '/portal/sign-out': item('End the session', 'portalSignOut', 'post', {
    requestBody: form({ csrf: "the session's form token" }, ['csrf']),
    responses: { ...seeOther, '403': page('The form token is wrong') },
  }),
  '/portal/messages': item('Search the messages the participant sent or received', 'portalMessages', 'get', {
    responses: { '200': page('Matching messages, newest first, 50 a page'), '303': seeOther['303'] },
  }),
  '/portal/messages/{transactionID}': item(
    'A message, its routing, its copies with their attempts, its journal and its payload as sent and as delivered',
    'portalMessage',
    'get',
    {
      parameters: [{ name: 'transactionID', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': page('The message page'), '303': seeOther['303'], '404': page('Not found or not yours') },
    },
  ),
  '/portal/workflows/{correlationID}': item(
    'The messages of a correlation id the participant may see, oldest first, with their copies',
    'portalWorkflow',
    'get',
    {
      parameters: [
        { name: 'correlationID', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'after', in: 'query', schema: { type: 'string' }, description: 'the cursor of the next page' },
      ],
      responses: { '200': page('The workflow page'), '303': seeOther['303'] },
    },
  ),
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
  '/portal/webhooks/test': item(
    'Send a test call (an empty batch, signed, over mTLS) to one of its webhooks and show the answer',
    'portalTestWebhook',
    'post',
    {
      requestBody: form(
        {
          csrf: "the session's form token",
          channel: 'IF-xxx or STATUS',
          role: "the webhook's role, '' for channel-wide",
        },
        ['csrf', 'channel'],
      ),
      responses: {
        '200': page('The webhooks with the answer'),
        '403': page('The form token is wrong'),
        '404': page('No such webhook of its own'),
      },
    },
  ),
  '/portal/replay': {
    ...item('The replay form; with a channel, the count of what the replay would return', 'portalReplayForm', 'get', {
      parameters: ['channel', 'datetimeFrom', 'datetimeTo', 'MPAN', 'eventCode'].map((name) => ({
        name,
        in: 'query',
        schema: { type: 'string' },
      })),
      responses: { '200': page('The form and the count'), '303': seeOther['303'] },
    }),
    ...(item(
      'Replay a page of what the DIP sent the participant: listed, or with format=json as the replay API returns it',
      'portalReplay',
      'post',
      {
        requestBody: form(
          {
            csrf: "the session's form token",
            channel: 'IF-xxx or STATUS',
            datetimeFrom: 'from',
            datetimeTo: 'to',
            MPAN: 'an MPAN',
            eventCode: 'an event code',
            continuation: "the page's continuation token (none: the first page)",
            format: 'json: the page as a download',
          },
          ['csrf', 'channel'],
        ),
        responses: {
          '200': page('The page of replayed messages, or its JSON'),
          '400': page('The filter is refused'),
          '403': page('The form token is wrong'),
        },
      },
    ) as Json),
  },
  '/portal/dashboard': item(
    "The participant's sends today by channel and hour, refused messages by code, refused calls, copies received today, copies waiting for it and its endpoints' breakers",
    'portalDashboard',
    'get',
    {
      responses: { '200': page('The dashboard'), '303': seeOther['303'] },
    },
  ),
  '/portal/account': item(
    "The participant's roles, DCP grants given and held, certificates and API keys with their state, portal users",
    'portalAccount',
    'get',
    {
      responses: { '200': page('The account'), '303': seeOther['303'] },
    },
  ),
  '/portal/calls': item("The participant's own API calls, newest first, 50 a page", 'portalCalls', 'get', {
    parameters: ['datetimeFrom', 'datetimeTo', 'channel', 'before'].map((name) => ({
      name,
      in: 'query',
      schema: { type: 'string' },
    })),
    responses: { '200': page('The calls'), '303': seeOther['303'], '400': page('What is wrong with the search') },
  }),
  '/portal/operator': item(
    "The operator's overview: ingest rate, today's sends, backlog by state, open breakers, pauses",
    'portalOperator',
    'get',
    {
      responses: { '200': page('The overview'), '303': seeOther['303'], '403': page('Not an operator') },
    },
  ),
  '/portal/operator/pause': item(
    'Pause ingress on a channel (or all), or delivery on a channel to a recipient (or all)',
    'portalPause',
    'post',
    {
      requestBody: form(
        {
          csrf: "the session's form token",
          kind: 'ingress or delivery',
          channel: 'IF-xxx, or STATUS for delivery',
          recipient: 'DIP id (delivery)',
          role: 'role (delivery, with recipient)',
          retryAfter: 'seconds (ingress)',
          reason: 'why',
        },
        ['csrf', 'kind'],
      ),
      responses: {
        '200': page('The overview, with what was paused'),
        '400': page('What is wrong with the form'),
        '403': page('The form token is wrong, or not an operator'),
      },
    },
  ),
  '/portal/operator/resume': item('End the pause of a scope', 'portalResume', 'post', {
    requestBody: form(
      {
        csrf: "the session's form token",
        kind: 'ingress or delivery',
        channel: 'its channel',
        recipient: 'its recipient',
        role: 'its role',
      },
      ['csrf', 'kind'],
    ),
    responses: {
      '200': page('The overview, with what was resumed'),
      '404': page('No such pause is in force'),
      '403': page('The form token is wrong, or not an operator'),
    },
  }),
  '/portal/operator/participants': item(
    'Every participant with its roles and DCP grants',
    'portalParticipants',
    'get',
    {
      responses: { '200': page('The participants'), '303': seeOther['303'], '403': page('Not an operator') },
    },
  ),
  '/portal/operator/certificates': item(
    'Every certificate with its expiry and state, and every API key',
    'portalCertificates',
    'get',
    {
      parameters: ['expiringWithinDays'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
      responses: {
        '200': page('The credentials'),
        '303': seeOther['303'],
        '400': page('What is wrong with the filter'),
        '403': page('Not an operator'),
      },
    },
  ),
  '/portal/operator/mpans': item('Who serves an MPAN at a time, and its appointment history', 'portalMpan', 'get', {
    parameters: ['mpan', 'at'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
    responses: {
      '200': page('The MPAN'),
      '303': seeOther['303'],
      '400': page('What is wrong with the MPAN or time'),
      '403': page('Not an operator'),
    },
  }),
  '/portal/operator/calls': item("Everyone's API calls, newest first, 50 a page", 'portalAllCalls', 'get', {
    parameters: ['datetimeFrom', 'datetimeTo', 'channel', 'callerID', 'before'].map((name) => ({
      name,
      in: 'query',
      schema: { type: 'string' },
    })),
    responses: {
      '200': page('The calls'),
      '303': seeOther['303'],
      '400': page('What is wrong with the search'),
      '403': page('Not an operator'),
    },
  }),
  '/portal/operator/deliveries': item('Delivery copies by state and filter, counted first', 'portalDeliveries', 'get', {
    parameters: ['state', 'recipient', 'channel', 'role', 'olderThanMinutes', 'after'].map((name) => ({
      name,
      in: 'query',
      schema: { type: 'string' },
    })),
    responses: {
      '200': page('The count, the redrive and release forms, 50 copies a page'),
      '303': seeOther['303'],
      '400': page('What is wrong with the filter'),
      '403': page('Not an operator'),
    },
  }),
  ...Object.fromEntries(
    (
      [
        ['redrive', 'Redrive the held or dead copies of a filter: due now, attempts reset', 'portalRedrive'],
        ['release', 'Release the held, pending or waiting copies of a filter, telling their senders', 'portalRelease'],
      ] as const
    ).map(([action, summary, operationId]) => [
      `/portal/operator/deliveries/${action}`,
      item(summary, operationId, 'post', {
        requestBody: form(
          {
            csrf: "the session's form token",
            state: 'the state to act on',
            recipient: 'DIP id of the recipient (required)',
            channel: 'IF-xxx or STATUS',
            role: 'the recipient role',
            olderThanMinutes: 'only copies older than this',
          },
          ['csrf', 'recipient'],
        ),
        responses: {
          '200': page('The deliveries page, saying how many copies changed'),
          '400': page('What is wrong with the filter; nothing changed'),
          '403': page('Not an operator, or the form token is wrong; nothing changed'),
        },
      }),
    ]),
  ),
  '/portal/operator/endpoints': item(
    'Delivery endpoints with breaker, pending copies and webhook',
    'portalEndpoints',
    'get',
    {
      parameters: ['recipient', 'channel', 'role', 'breaker', 'after'].map((name) => ({
        name,
        in: 'query',
        schema: { type: 'string' },
      })),
      responses: { '200': page('50 endpoints a page'), '303': seeOther['303'], '403': page('Not an operator') },
    },
  ),
  '/portal/requeue': {
    ...item('The requeue form; with a channel, the count of what a requeue would send', 'portalRequeueForm', 'get', {
      parameters: ['channel', 'datetimeFrom', 'datetimeTo', 'MPAN', 'eventCode'].map((name) => ({
        name,
        in: 'query',
        schema: { type: 'string' },
      })),
      responses: {
        '200': page('The form, the count (up to 100,000, then "at least") and recent requeues'),
        '303': seeOther['303'],
        '400': page('What is wrong with the filter'),
      },
    }),
    ...(item('Requeue its own copies that match, to its webhook', 'portalRequeue', 'post', {
      requestBody: form(
        {
          csrf: "the session's form token",
          channel: 'IF-xxx or STATUS',
          datetimeFrom: 'DT-003 date-time (required for STATUS)',
          datetimeTo: 'DT-003 date-time (required for STATUS)',
          MPAN: '13-digit MPAN core (channels only)',
          eventCode: 'e.g. [ActivePower] (channels only)',
        },
        ['csrf', 'channel'],
      ),
      responses: {
        '303': { description: 'To the progress page of the requeue it started (Location)' },
        '400': page('What is wrong, e.g. no webhook to requeue to'),
        '403': page('The form token is wrong; nothing was requeued'),
        '429': page('A requeue of the channel is still in progress'),
      },
    }) as Json),
  },
  '/portal/requeue/{requeueId}': item(
    "A requeue's progress, refreshing while it runs",
    'portalRequeueProgress',
    'get',
    {
      parameters: [
        { name: 'requeueId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'channel', in: 'query', required: true, schema: { type: 'string' } },
      ],
      responses: { '200': page('Progress'), '303': seeOther['303'], '404': page('No such requeue of yours') },
    },
  ),
  '/portal/operator/users': {
    ...item("Every participant's portal users and how each signs in", 'portalUsers', 'get', {
      responses: {
        '200': page('The users and the form to issue a link'),
        '303': seeOther['303'],
        '403': page('Not an operator'),
      },
    }),
    ...(item('Issue a one-time sign-in link for a new user, or to reset one', 'portalIssueLink', 'post', {
      requestBody: form(
        {
          csrf: "the session's form token",
          participant: 'the DIP id the user signs in for',
          username: '3 to 64 of A-Z a-z 0-9 . _ @ -',
        },
        ['csrf', 'participant', 'username'],
      ),
      responses: {
        '200': page('The link, shown once'),
        '400': page('The username is not valid or belongs to another participant'),
        '403': page('Not an operator, or the form token is wrong'),
      },
    }) as Json),
  },
  '/portal/operator/users/remove': item('Remove a portal user; its sessions end', 'portalRemoveUser', 'post', {
    requestBody: form({ csrf: "the session's form token", username: 'the user' }, ['csrf', 'username']),
    responses: {
      '200': page('The users page'),
      '403': page('Not an operator, or the form token is wrong'),
      '404': page('No such user'),
    },
  }),
};
