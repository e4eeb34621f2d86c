import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startStack } from '../../support/stack';

/** The embedded server's postmaster, from the lock file it keeps in its data dir. */
function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('the embedded PostgreSQL killed under a running Vigie', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is started again on the same data, and the API serves again by itself', async () => {
    const accounts = async () => (await stack.platform.db.selectFrom('appUser').select('email').execute()).map((u) => u.email);
    const before = await accounts();
    const killed = postmasterPid(stack.config.dataDir);
    // as the kernel's out-of-memory killer would: no shutdown, no warning
    process.kill(killed, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${stack.baseUrl}/api/health`, { signal: AbortSignal.timeout(5000) })).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    expect(postmasterPid(stack.config.dataDir)).not.toBe(killed);
    expect(await accounts()).toEqual(before);
  }, 90_000);
});
