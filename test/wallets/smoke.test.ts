import { it } from 'vitest';
import { startService } from '../helpers/service.js';
it('smoke', async () => {
  const svc = await startService();
  try {
    for (const p of ['/.well-known/openid-credential-issuer', '/.well-known/oauth-authorization-server', '/openid4vci/jwks']) {
      const r = await fetch(svc.url + p); console.log(p, r.status, (await r.text()).slice(0, 600));
    }
    const r = await fetch(svc.url + '/openid4vci/nonce', { method: 'POST' }); console.log(r.status, await r.text());
  } finally { await svc.close(); }
}, 60000);
