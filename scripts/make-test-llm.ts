/**
 * Writes the generated test LLMs (random weights, real shapes: src/core/random-llm.ts) into the
 * shared cache folder and prints their paths. Tests and benchmarks call ensureTestLlm themselves;
 * this command is for making them ahead or finding where they are:
 *
 *   npx tsx scripts/make-test-llm.ts [smollm2-135m:Q8_0 smollm2-135m:Q4_0 smollm2-360m:Q4_0 ...]
 */
import { LLM_SHAPES, type LlmQuant, type LlmShapeId } from '../src/core/random-llm';
import { ensureTestLlm } from './lib/test-llm';

const DEFAULT = ['smollm2-135m:Q8_0', 'smollm2-135m:Q4_0', 'smollm2-360m:Q4_0'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT;
for (const w of wanted) {
  const [shape, quant] = w.split(':') as [string, string | undefined];
  if (!(shape in LLM_SHAPES) || (quant !== 'Q8_0' && quant !== 'Q4_0')) {
    console.error(`unknown model "${w}": give SHAPE:TYPE with SHAPE one of ${Object.keys(LLM_SHAPES).join(', ')} and TYPE Q8_0 or Q4_0`);
    process.exit(2);
  }
  console.log(ensureTestLlm(shape as LlmShapeId, quant as LlmQuant, (l) => console.error(l)));
}
