/** Which Chromium the browser tests drive (issue 12 item 7): a fresh machine needs no apt. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseChromium } from './chromium.ts';

describe('Chromium for the browser tests', () => {
  it('falls back to the npm-packaged Chromium when CHROMIUM_PATH is missing and Debian lookup is off', async () => {
    const choice = await chooseChromium({
      CHROMIUM_PATH: '/nonexistent/chromium',
      CE_TEST_NO_SYSTEM_CHROMIUM: '1',
    });
    expect(choice.source).toBe('@sparticuz/chromium');
    expect(existsSync(choice.executablePath)).toBe(true);
    expect(choice.args).not.toContain('--disable-web-security');
    expect(choice.args).not.toContain('--single-process');
    expect(choice.args).toContain('--headless');
  });

  it('uses CHROMIUM_PATH when it names a file', async () => {
    const packaged = await chooseChromium({ CE_TEST_NO_SYSTEM_CHROMIUM: '1' });
    const choice = await chooseChromium({ CHROMIUM_PATH: packaged.executablePath });
    expect(choice).toMatchObject({ source: 'CHROMIUM_PATH', executablePath: packaged.executablePath });
  });
});
