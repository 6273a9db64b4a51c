// Writes crds/*.yaml from the zod API types. Run after changing
// operator/src/api/v1alpha1; crd-build.test.ts fails until you do.
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { renderCrdFiles } from "../src/api/v1alpha1/crd-render.ts";

const root = resolve(import.meta.dirname, "../..");
for (const [file, text] of Object.entries(renderCrdFiles())) {
  await writeFile(join(root, "crds", file), text);
  console.log(`wrote crds/${file}`);
}
