/** One WebDriver session per test (fresh, ephemeral storage), closed afterwards. */
import { inject } from 'vitest';
import { App } from './page';
import { newSession } from './driver';

export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const d = await newSession(inject('driver'));
  try {
    return await fn(new App(d, inject('appUrl')));
  } finally {
    await d.quit();
  }
}
