import t from 'tap';
import { MemoryHotStore } from '../src/hot/memory.js';
import { hotContract } from './hot-contract.js';

hotContract(t, async () => ({ store: new MemoryHotStore(), prefix: 'p:' }));
