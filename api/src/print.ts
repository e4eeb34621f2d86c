import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { VigieError } from './errors';

/**
 * HTML -> PDF with the system's Chromium (Debian's /usr/bin/chromium, or VIGIE_CHROMIUM), shared by the dump
 * sheets and the ZAN reports. The page must be self-contained (inline styles, data-URI images): the browser is
 * started with its network features off and the page gets no base URL. One print at a time: a headless
 * browser is a few hundred MB and the API shares its cores with the workers.
 */
export interface PrintOptions {
  format?: 'A4' | 'A3';
  landscape?: boolean;
  /** how long one print may take before it is given up, in ms */
  timeoutMs?: number;
}

export const chromiumPath = () => process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

let queue: Promise<unknown> = Promise.resolve();

export function htmlToPdf(html: string, options: PrintOptions = {}): Promise<Buffer> {
  const job = queue.then(() => print(html, options));
  queue = job.catch(() => undefined);
  return job;
}

async function print(html: string, { format = 'A4', landscape = false, timeoutMs = 30_000 }: PrintOptions): Promise<Buffer> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new VigieError('pdf_unavailable', `Impression PDF impossible : Chromium introuvable (${executablePath}) ; installez-le ou réglez VIGIE_CHROMIUM. La version HTML reste disponible.`, 503);
  }
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: timeoutMs });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    // nothing leaves the machine: a page that reaches out (a remote image, a font) gets the request refused
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    const pdf = await page.pdf({ format, landscape, printBackground: true, preferCSSPageSize: true });
    return Buffer.from(pdf);
  } finally {
    await browser.close().catch(() => undefined);
  }
}
