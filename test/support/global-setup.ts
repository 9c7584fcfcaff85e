/** Vitest globalSetup: starts the host-side stack and hands its addresses to the tests. */
import type { TestProject } from 'vitest/node';
import { startJwksServer } from './jwks.ts';
import { startTestStack } from './stack.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startTestStack(project.name.replace(/[^a-z0-9]/gi, '').toLowerCase() || 'test');
  project.provide('ownerDatabaseUrl', stack.ownerDatabaseUrl);
  project.provide('workerDatabaseUrl', stack.workerDatabaseUrl);
  project.provide('dbWsProxy', stack.dbWsProxy);
  project.provide('embeddedDatabase', stack.embedded);
  project.provide('emulatorUrl', stack.emulator.url);
  project.provide('emulatorBaseUrls', stack.emulator.baseUrls);
  const jwks = await startJwksServer();
  project.provide('jwksUrl', jwks.url);
  project.provide('jwksPrivateJwk', jwks.privateJwk);
  return async () => {
    await jwks.close();
    await stack.stop();
  };
}
