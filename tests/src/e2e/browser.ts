import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, WebGL through SwiftShader (no GPU on CI machines). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
}

/** The production build the API serves; rebuilt so that the test sees the current sources. */
export function buildWeb(): void {
  execFileSync('pnpm', ['--filter', '@vigie/web', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export async function shoot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `web-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('navigation', { name: 'Navigation principale' }).waitFor();
}

export async function openView(page: Page, label: string, heading: RegExp): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 2, name: heading }).waitFor();
}
