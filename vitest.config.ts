import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // temp dirs of the whole run live under one root, removed at the end
    globalSetup: ["test/global-setup.ts"],
  },
});
