// The package's entry point in Node.js: the WebAssembly module is read from the package's
// own file and instantiated before any function is exported, so no `init()` call is needed.
import { readFileSync } from "node:fs";
import { initSync } from "./tekton_buildah_web.js";

initSync({ module: readFileSync(new URL("./tekton_buildah_web_bg.wasm", import.meta.url)) });

export * from "./tekton_buildah_web.js";
