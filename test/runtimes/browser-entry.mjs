// The page side of the browser agent: the shared runner, bundled for the browser and handed to the page's window.
import { runCase } from "./runner.mjs"

globalThis.runCase = runCase
