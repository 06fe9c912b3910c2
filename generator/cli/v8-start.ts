/** Imported first by `bin`: the V8 settings of v8-tuning.ts, before any other module is evaluated. */
import { tuneV8 } from "./v8-tuning.js";

tuneV8();
