// `@sluice/adapter-openai/compatible`: the vendor adapters (azure-openai, deepseek, openrouter, groq, mistral,
// openai-compatible) as one array, the form core's loader accepts. Name it in gateway.yaml next to the main entry.
import { compatibleAdapters } from './index.js';

export default compatibleAdapters;
