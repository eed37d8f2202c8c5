/**
 * GET /docs: the API document rendered by Swagger UI, its files served from the swagger-ui-dist package, so
 * the page works on a machine with no internet access. Not an API call, like /health.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DOCS_ASSETS } from '../api-description/additions.js';
import type { AppDeps } from '../context.js';

type Asset = (typeof DOCS_ASSETS)[number];

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
};

/**
 * Scripts only from this origin, and requests only back to it: Swagger UI would otherwise offer to send the
 * document to an online validator.
 */
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'";

const page = (): string => `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>OpenDIP API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/init.js" charset="UTF-8"></script>
  </body>
</html>
`;

/** Points Swagger UI at this DIP's document; a file rather than inline, so the page's policy can forbid inline scripts. */
const initScript = (documentUrl: string): string => `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(documentUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

export function docsRoutes(deps: AppDeps) {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const documentUrl = `/${deps.config.apiVersion}/openapi.json`;
  const cache = new Map<Asset, Promise<Buffer>>();
  const bytesOf = (asset: Asset): Promise<Buffer> => {
    let bytes = cache.get(asset);
    if (!bytes) {
      bytes = asset === 'init.js' ? Promise.resolve(Buffer.from(initScript(documentUrl))) : readFile(join(dist, asset));
      cache.set(asset, bytes);
    }
    return bytes;
  };
  const notFound = (reply: FastifyReply, name: string) =>
    reply.code(404).type('text/plain; charset=utf-8').send(`no such file /docs/${name}; the API browser is at /docs`);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/docs', { config: { apiCall: false } }, async (_request, reply) =>
      reply.header('content-security-policy', POLICY).type('text/html; charset=utf-8').send(page()),
    );
    app.get<{ Params: { asset: string } }>('/docs/:asset', { config: { apiCall: false } }, async (request, reply) => {
      const name = request.params.asset;
      const asset = DOCS_ASSETS.find((a) => a === name);
      if (!asset) return notFound(reply, name);
      return reply
        .header('cache-control', 'public, max-age=3600')
        .type(TYPES[asset.slice(asset.lastIndexOf('.') + 1)]!)
        .send(await bytesOf(asset));
    });
  };
}
