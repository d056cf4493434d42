/**
 * Every bench page describes where it runs with the app's own environment block
 * (src/engine/environment.ts), the one a RunRecord keeps: scripts/lib/bench-output.ts reads it.
 */
import { collectEnvironment } from '../../src/engine/environment';

declare global {
  interface Window {
    ragtabEnvironment?: typeof collectEnvironment;
  }
}

window.ragtabEnvironment = () => collectEnvironment();
