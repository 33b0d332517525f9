import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's headless Chromium (`apt-get install chromium`; `.ci/run` installs it), driven by
 * playwright-core. The flags keep it from phoning home: this machine has no route out, and
 * background requests would otherwise fail noisily at every start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
