#!/usr/bin/env node
// The published entry point: runs the compiled CLI, bundled (npm start and npm test build it first;
// scripts/bundle.mjs says why it is bundled).
import '../dist/bundle/main.js';
