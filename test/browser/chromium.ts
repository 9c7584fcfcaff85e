/**
 * The Chromium the browser tests drive, so `npm ci && npm test` runs on a machine that never ran apt:
 * `CHROMIUM_PATH` when it names a file, else Debian's `/usr/bin/chromium`, else the binary shipped
 * inside the `@sparticuz/chromium` npm package (unpacked to the temp dir on first use, ~2 s).
 * `CE_TEST_NO_SYSTEM_CHROMIUM=1` skips the Debian lookup, to prove the packaged fallback works.
 */
import { existsSync } from 'node:fs';
import packagedChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Flags every launch gets: headless, no sandbox (CI containers run as root), nothing phoning home. */
const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The package's serverless flags minus: the ones that would make the browser less strict than a
 * user's (the tests check CSP and CORS); `--single-process`, which AWS Lambda needs and which makes
 * closing one page take the whole browser down here; and its quoted headless flag (COMMON_ARGS has one).
 */
const UNWANTED_ARGS =
  /^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials|single-process|headless)/;

export interface ChromiumChoice {
  readonly executablePath: string;
  readonly args: readonly string[];
  readonly source: 'CHROMIUM_PATH' | 'debian' | '@sparticuz/chromium';
}

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const configured = env.CHROMIUM_PATH;
  if (configured && existsSync(configured))
    return { executablePath: configured, args: COMMON_ARGS, source: 'CHROMIUM_PATH' };
  if (configured) console.warn(`CHROMIUM_PATH=${configured} does not exist; looking for another Chromium`);
  if (env.CE_TEST_NO_SYSTEM_CHROMIUM !== '1' && existsSync(DEBIAN_CHROMIUM))
    return { executablePath: DEBIAN_CHROMIUM, args: COMMON_ARGS, source: 'debian' };
  return {
    executablePath: await packagedChromium.executablePath(),
    args: [...packagedChromium.args.filter((arg) => !UNWANTED_ARGS.test(arg)), ...COMMON_ARGS],
    source: '@sparticuz/chromium',
  };
}

export async function launchChromium(): Promise<{ browser: Browser; choice: ChromiumChoice }> {
  const choice = await chooseChromium();
  const browser = await chromium.launch({ executablePath: choice.executablePath, args: [...choice.args] });
  return { browser, choice };
}
