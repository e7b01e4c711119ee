export { startProcess, runProcess, signalGroup, describeTermination, processAlive } from './process.js';
export type { ProcessOptions, ProcessResult, RunningProcess } from './process.js';
export { LineSplitter } from './line-splitter.js';
export { TailBuffer } from './tail-buffer.js';
